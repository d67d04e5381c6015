"""The store's delivery set-up for Kazakhstan: zones, methods, rates in tenge, pickup points.

``setup_store()`` only adds what is missing, so it is safe (and quick) to run on every start
and never overwrites what staff changed in the back office.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from .models import DeliveryMethod, DeliveryRate, PickupPoint, Zone

KZ = "Kazakhstan\nКазахстан\nҚазақстан\nKZ"


@dataclass(frozen=True)
class Place:
    code: str
    en: str
    ru: str
    kk: str
    cities: tuple  # every spelling of the places that belong here
    regions: tuple = ()
    tier: int = 2  # 1: cities of republican significance, 2: near regions, 3: far regions


# The three cities of republican significance (a shopper may also write them as the region).
CITIES = [
    Place(
        "almaty",
        "Almaty",
        "Алматы",
        "Алматы",
        ("Almaty", "Алматы", "Алма-Ата", "Alma-Ata", "Almaty qalasy"),
        ("Almaty", "Алматы", "Алма-Ата", "Alma-Ata", "Almaty city"),
        tier=1,
    ),
    Place(
        "astana",
        "Astana",
        "Астана",
        "Астана",
        ("Astana", "Астана", "Nur-Sultan", "Нур-Султан", "Нұр-Сұлтан"),
        ("Astana", "Астана", "Nur-Sultan", "Нур-Султан", "Нұр-Сұлтан"),
        tier=1,
    ),
    Place(
        "shymkent",
        "Shymkent",
        "Шымкент",
        "Шымкент",
        ("Shymkent", "Шымкент", "Chimkent", "Чимкент"),
        ("Shymkent", "Шымкент", "Chimkent", "Чимкент"),
        tier=1,
    ),
]

# The 17 regions (oblystar) since the 2022 reform, with their main towns.
REGIONS = [
    Place(
        "abai",
        "Abai Region",
        "Абайская область",
        "Абай облысы",
        ("Semey", "Семей", "Семипалатинск", "Semipalatinsk", "Ayagoz", "Аягоз"),
    ),
    Place(
        "akmola",
        "Akmola Region",
        "Акмолинская область",
        "Ақмола облысы",
        ("Kokshetau", "Кокшетау", "Көкшетау", "Stepnogorsk", "Степногорск", "Kosshy", "Косшы"),
    ),
    Place(
        "aktobe",
        "Aktobe Region",
        "Актюбинская область",
        "Ақтөбе облысы",
        ("Aktobe", "Актобе", "Ақтөбе", "Актюбинск"),
        tier=3,
    ),
    Place(
        "almaty-region",
        "Almaty Region",
        "Алматинская область",
        "Алматы облысы",
        (
            "Konaev",
            "Konayev",
            "Конаев",
            "Қонаев",
            "Kapchagay",
            "Капчагай",
            "Talgar",
            "Талгар",
            "Kaskelen",
            "Каскелен",
            "Esik",
            "Есик",
        ),
    ),
    Place(
        "atyrau",
        "Atyrau Region",
        "Атырауская область",
        "Атырау облысы",
        ("Atyrau", "Атырау", "Гурьев"),
        tier=3,
    ),
    Place(
        "east-kazakhstan",
        "East Kazakhstan Region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
        ("Oskemen", "Ust-Kamenogorsk", "Усть-Каменогорск", "Өскемен", "Ridder", "Риддер"),
        ("East Kazakhstan", "ВКО", "Восточный Казахстан"),
        tier=3,
    ),
    Place(
        "jambyl",
        "Jambyl Region",
        "Жамбылская область",
        "Жамбыл облысы",
        ("Taraz", "Тараз", "Джамбул"),
        ("Zhambyl", "Zhambyl Region", "Zhambyl oblysy"),
    ),
    Place(
        "jetisu",
        "Jetisu Region",
        "Жетысуская область",
        "Жетісу облысы",
        ("Taldykorgan", "Талдыкорган", "Талдықорған", "Tekeli", "Текели"),
        (
            "Zhetisu",
            "Zhetysu",
            "Zhetisu Region",
            "Zhetysu Region",
            "Область Жетісу",
            "Область Жетысу",
        ),
    ),
    Place(
        "karaganda",
        "Karaganda Region",
        "Карагандинская область",
        "Қарағанды облысы",
        ("Karaganda", "Karagandy", "Караганда", "Қарағанды", "Temirtau", "Темиртау"),
        ("Karagandy Region", "Karagandy"),
    ),
    Place(
        "kostanay",
        "Kostanay Region",
        "Костанайская область",
        "Қостанай облысы",
        ("Kostanay", "Костанай", "Қостанай", "Rudny", "Рудный"),
        tier=3,
    ),
    Place(
        "kyzylorda",
        "Kyzylorda Region",
        "Кызылординская область",
        "Қызылорда облысы",
        ("Kyzylorda", "Кызылорда", "Қызылорда", "Baikonur", "Байконур"),
        tier=3,
    ),
    Place(
        "mangystau",
        "Mangystau Region",
        "Мангистауская область",
        "Маңғыстау облысы",
        ("Aktau", "Актау", "Ақтау", "Zhanaozen", "Жанаозен"),
        tier=3,
    ),
    Place(
        "north-kazakhstan",
        "North Kazakhstan Region",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
        ("Petropavl", "Petropavlovsk", "Петропавловск", "Петропавл"),
        ("North Kazakhstan", "СКО"),
        tier=3,
    ),
    Place(
        "pavlodar",
        "Pavlodar Region",
        "Павлодарская область",
        "Павлодар облысы",
        ("Pavlodar", "Павлодар", "Ekibastuz", "Экибастуз", "Екібастұз"),
        tier=3,
    ),
    Place(
        "turkistan",
        "Turkistan Region",
        "Туркестанская область",
        "Түркістан облысы",
        ("Turkistan", "Turkestan", "Туркестан", "Түркістан", "Kentau", "Кентау"),
        ("Turkestan Region", "Туркестан"),
    ),
    Place(
        "ulytau",
        "Ulytau Region",
        "Улытауская область",
        "Ұлытау облысы",
        ("Zhezkazgan", "Jezkazgan", "Жезказган", "Жезқазған", "Satbayev", "Сатпаев"),
        ("Ulytau",),
        tier=3,
    ),
    Place(
        "west-kazakhstan",
        "West Kazakhstan Region",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
        ("Oral", "Uralsk", "Уральск", "Орал", "Aksay", "Аксай"),
        ("West Kazakhstan", "ЗКО"),
        tier=3,
    ),
]


def _region_names(place: Place) -> list[str]:
    short = place.en.removesuffix(" Region")
    names = [place.en, place.ru, place.kk, f"{short} oblysy", f"{short} oblast"]
    if place.code != "almaty-region":  # plain "Almaty" is the city
        names.append(short)
    return names + list(place.regions)


def zone_rows() -> list[dict]:
    rows = []
    for position, place in enumerate(CITIES, start=1):
        rows.append(
            dict(
                code=place.code,
                name=place.en,
                cities="\n".join(place.cities),
                regions="\n".join(place.regions),
                countries=KZ,
                position=position,
            )
        )
    for position, place in enumerate(REGIONS, start=10):
        rows.append(
            dict(
                code=place.code,
                name=place.en,
                cities="\n".join(place.cities),
                regions="\n".join(_region_names(place)),
                countries=KZ,
                position=position,
            )
        )
    rows.append(dict(code="kazakhstan", name="Kazakhstan, other places", countries=KZ, position=80))
    rows.append(dict(code="international", name="International", is_fallback=True, position=90))
    return rows


K = DeliveryMethod.Kind
METHODS = [
    dict(
        code="own-courier",
        kind=K.OWN_COURIER,
        position=10,
        name="Duken courier",
        name_ru="Курьер Duken",
        name_kk="Duken курьері",
        description="Our own courier, same or next day in Almaty and Astana.",
        description_ru="Наш курьер, в день заказа или на следующий день в Алматы и Астане.",
        description_kk="Біздің курьер, Алматы мен Астанада сол күні не келесі күні.",
    ),
    dict(
        code="pickup",
        kind=K.PICKUP,
        position=20,
        name="Self-pickup",
        name_ru="Самовывоз",
        name_kk="Өзі алып кету",
        description="Free pickup from our points in Almaty and Astana.",
        description_ru="Бесплатно из наших пунктов выдачи в Алматы и Астане.",
        description_kk="Алматы мен Астанадағы беру пункттерінен тегін.",
    ),
    dict(
        code="courier-service",
        kind=K.COURIER_SERVICE,
        position=30,
        name="Courier service",
        name_ru="Курьерская служба",
        name_kk="Курьерлік қызмет",
        description="Door-to-door delivery anywhere in Kazakhstan and abroad.",
        description_ru="Доставка до двери по всему Казахстану и за рубеж.",
        description_kk="Қазақстан бойынша және шетелге есікке дейін жеткізу.",
    ),
    dict(
        code="kazpost",
        kind=K.POST,
        position=40,
        name="Kazpost",
        name_ru="Казпочта",
        name_kk="Қазпошта",
        description="Parcel post to any post office, also international.",
        description_ru="Посылка до любого почтового отделения, в том числе за рубеж.",
        description_kk="Кез келген пошта бөлімшесіне сәлемдеме, шетелге де.",
    ),
    dict(
        code="transport",
        kind=K.TRANSPORT_COMPANY,
        position=50,
        name="Transport company (heavy orders)",
        name_ru="Транспортная компания (тяжёлые заказы)",
        name_kk="Көлік компаниясы (ауыр тапсырыстар)",
        description="Freight to the terminal in your city for orders from 10 kg.",
        description_ru="Груз до терминала в вашем городе для заказов от 10 кг.",
        description_kk="10 кг-нан бастап тапсырыстар үшін қалаңыздағы терминалға дейін.",
    ),
    dict(
        code="electronic",
        kind=K.ELECTRONIC,
        position=60,
        name="Electronic delivery",
        name_ru="Электронная доставка",
        name_kk="Электрондық жеткізу",
        description="A download link right after payment.",
        description_ru="Ссылка для скачивания сразу после оплаты.",
        description_kk="Төлемнен кейін бірден жүктеп алу сілтемесі.",
    ),
]


def _d(value) -> Decimal:
    return Decimal(str(value))


def rate_rows() -> list[dict]:
    """(method code, zone code or None, terms) in tenge."""
    rows = []

    def add(method, zone, base, per_kg=0, free_from=None, max_kg=None, min_kg=None, days=(1, 3)):
        rows.append(
            dict(
                method=method,
                zone=zone,
                base_price=_d(base),
                price_per_kg=_d(per_kg),
                free_from=None if free_from is None else _d(free_from),
                max_weight_grams=None if max_kg is None else max_kg * 1000,
                min_weight_grams=None if min_kg is None else min_kg * 1000,
                days_min=days[0],
                days_max=days[1],
            )
        )

    add("own-courier", "almaty", 1500, free_from=25000, max_kg=30, days=(0, 1))
    add("own-courier", "astana", 1800, free_from=25000, max_kg=30, days=(0, 1))
    add("pickup", "almaty", 0, days=(0, 1))
    add("pickup", "astana", 0, days=(1, 2))
    domestic = CITIES + REGIONS
    for place in domestic:
        courier = {1: (1800, 300, (1, 2)), 2: (2400, 450, (2, 4)), 3: (2900, 550, (3, 6))}
        base, per_kg, days = courier[place.tier]
        add("courier-service", place.code, base, per_kg, free_from=60000, max_kg=30, days=days)
        post = {1: (1100, 200, (2, 5)), 2: (1300, 250, (3, 8)), 3: (1500, 300, (5, 12))}
        base, per_kg, days = post[place.tier]
        add("kazpost", place.code, base, per_kg, max_kg=20, days=days)
        freight = {1: (6000, 90, (2, 4)), 2: (7000, 110, (3, 6)), 3: (8500, 140, (4, 9))}
        base, per_kg, days = freight[place.tier]
        add("transport", place.code, base, per_kg, min_kg=10, max_kg=1500, days=days)
    add("courier-service", "kazakhstan", 2900, 550, free_from=60000, max_kg=30, days=(3, 7))
    add("kazpost", "kazakhstan", 1500, 300, max_kg=20, days=(5, 14))
    add("transport", "kazakhstan", 8500, 140, min_kg=10, max_kg=1500, days=(4, 10))
    add("courier-service", "international", 12000, 4500, max_kg=30, days=(5, 12))
    add("kazpost", "international", 8500, 3500, max_kg=20, days=(10, 30))
    add("electronic", None, 0, days=(0, 0))
    return rows


PICKUP_POINTS = [
    dict(
        name="Duken — Dostyk",
        city="Almaty",
        address="пр. Достык, 97, 1 этаж",
        opening_hours="Mon–Sat 10:00–20:00, Sun 11:00–18:00",
    ),
    dict(
        name="Duken — Sayakhat",
        city="Almaty",
        address="ул. Сейфуллина, 410, вход со двора",
        opening_hours="Mon–Fri 09:00–19:00, Sat 10:00–16:00",
    ),
    dict(
        name="Duken — Abay Avenue",
        city="Almaty",
        address="пр. Абая, 143, офис 12",
        opening_hours="Daily 10:00–21:00",
    ),
    dict(
        name="Duken — Left Bank",
        city="Astana",
        address="пр. Туран, 37, ЖК «Highvill», 1 этаж",
        opening_hours="Mon–Sat 10:00–20:00",
    ),
    dict(
        name="Duken — Saryarka",
        city="Astana",
        address="пр. Сарыарка, 15, офис 4",
        opening_hours="Mon–Fri 09:00–19:00, Sat 10:00–15:00",
    ),
]


@transaction.atomic
def setup_store() -> dict[str, int]:
    """Create the zones, methods, rates and pickup points that do not exist yet.

    Existing rows are left exactly as they are (staff may have changed prices). Returns how
    many rows of each kind were created."""
    created = {"zones": 0, "methods": 0, "rates": 0, "pickup_points": 0}
    zones = {z.code: z for z in Zone.objects.all()}
    new_zones = [Zone(**row) for row in zone_rows() if row["code"] not in zones]
    for zone in new_zones:
        zone.save()
        zones[zone.code] = zone
    created["zones"] = len(new_zones)

    methods = {m.code: m for m in DeliveryMethod.objects.all()}
    new_methods = [DeliveryMethod(**row) for row in METHODS if row["code"] not in methods]
    for method in new_methods:
        method.save()
        methods[method.code] = method
    created["methods"] = len(new_methods)

    # Rates and points are only added for the methods created now: a method staff already
    # had keeps exactly the rates and points they gave it.
    fresh = {m.code for m in new_methods}
    rates = [
        DeliveryRate(
            **{
                **row,
                "method": methods[row["method"]],
                "zone": zones.get(row["zone"]) if row["zone"] else None,
            }
        )
        for row in rate_rows()
        if row["method"] in fresh and (row["zone"] is None or row["zone"] in zones)
    ]
    DeliveryRate.objects.bulk_create(rates)
    created["rates"] = len(rates)

    if "pickup" in fresh:
        points = [PickupPoint(method=methods["pickup"], **row) for row in PICKUP_POINTS]
        PickupPoint.objects.bulk_create(points)
        created["pickup_points"] = len(points)
    return created
