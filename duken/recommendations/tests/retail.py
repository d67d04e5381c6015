"""Small hand-made purchase tables in the Online Retail format for the evaluation tests."""

import numpy as np
import pandas as pd

ITEMS = [f"PRODUCT {chr(ord('A') + n)}" for n in range(16)]


def retail_frame(n_customers=40, start="2011-01-03", weeks=26, seed=3):
    """Customers in two taste groups, each reordering a few favourites and trying neighbours,
    plus the noise the protocol must drop (guests, returns, postage, zero prices)."""
    rng = np.random.default_rng(seed)
    rows = []
    first = pd.Timestamp(start)
    for customer in range(n_customers):
        group = customer % 2
        palette = ITEMS[group * 8 : group * 8 + 8]
        favourites = rng.choice(palette, size=3, replace=False)
        country = "United Kingdom" if customer % 3 else "France"
        for week in range(weeks):
            if rng.random() < 0.35:
                continue
            when = first + pd.Timedelta(days=7 * week + int(rng.integers(0, 5)), hours=10)
            basket = set(rng.choice(favourites, size=2, replace=False))
            basket.add(str(rng.choice(palette)))
            for item in sorted(basket):
                rows.append(
                    (item, int(rng.integers(1, 12)), when, 1.25, 12000.0 + customer, country)
                )
    noise_day = first + pd.Timedelta(days=20)
    rows += [
        ("PRODUCT A", 6, noise_day, 1.25, np.nan, "United Kingdom"),  # guest
        ("PRODUCT B", -6, noise_day, 1.25, 12000.0, "United Kingdom"),  # return
        ("POSTAGE", 1, noise_day, 18.0, 12000.0, "United Kingdom"),
        ("PRODUCT C", 2, noise_day, 0.0, 12000.0, "United Kingdom"),  # free
        ("?", 1, noise_day, 1.0, 12000.0, "United Kingdom"),
    ]
    return pd.DataFrame(
        rows,
        columns=["Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"],
    )
