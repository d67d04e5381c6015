"""``duken recs train``: retrain every recommendation list now (or queue it)."""

HELP = (
    "Retrain the recommendation lists from the order history and the interaction log "
    "(co-purchase, co-view, similar products, popular lists, each customer's list)."
)


def add_arguments(parser):
    parser.add_argument(
        "--background",
        action="store_true",
        help="Queue the retrain for the worker instead of running it here.",
    )
    parser.add_argument(
        "--no-ranker",
        action="store_true",
        help="Rank customers' lists with the neighbour scorer instead of Duken's ranker (faster).",
    )


def handle(command, options):
    if options.get("background"):
        from duken.recommendations.tasks import train_recommendations

        train_recommendations.enqueue(ranker=False if options.get("no_ranker") else None)
        command.stdout.write("Retrain queued.")
        return
    from duken.recommendations.training import train

    run = train(ranker=False if options.get("no_ranker") else None)
    command.stdout.write(
        f"Trained in {run.seconds:.1f} s: {run.products} products, "
        f"{run.customers} customers ({run.note})."
    )
