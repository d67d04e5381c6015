"""The demo catalog's categories and the keyword rules that sort products into them.

The data set has no categories, only product descriptions such as "WHITE HANGING HEART T-LIGHT
HOLDER". Each rule below lists whole words or phrases (regular expressions, matched against
the upper-case description on word boundaries). A product joins every category whose rule
matches; its main category is the first match in table order. The table is ordered on purpose:
what the thing *is* (a bag, a candle holder, a mug) comes before the occasion it is for
(Christmas, Easter), which comes before broad rooms (storage, home decor) and themes
(children, hearts, vintage). A product no rule matches goes to "Other", the last resort.

Each rule also carries a typical shipping weight in grams for the kind of product; the
importer adjusts it with the size words of the description (see ``estimate_weight``).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryRule:
    slug: str
    name: str
    name_ru: str
    name_kk: str
    weight_grams: int
    patterns: tuple[str, ...]

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.patterns)


_CACHE: dict[tuple[str, ...], re.Pattern] = {}


def _compiled(patterns: tuple[str, ...]) -> re.Pattern:
    if patterns not in _CACHE:
        body = "|".join(patterns)
        _CACHE[patterns] = re.compile(rf"(?<![A-Z0-9])(?:{body})(?![A-Z])") if body else None
    return _CACHE[patterns]


# fmt: off
R = CategoryRule
RULES: tuple[CategoryRule, ...] = (
    R("bags", "Bags & Purses", "Сумки и кошельки", "Сөмкелер мен әмияндар", 300, (
        r"(?<!GIFT )(?<!PARTY )BAGS?(?! \d+G)", r"HANDBAGS?", r"SHOPPER", r"TOTE", r"PURSES?",
        r"WALLETS?", r"BACKPACK", r"RUCKSACK", r"WASHBAG", r"SATCHEL",
    )),
    R("candles-lights", "Candles & Lights", "Свечи и светильники", "Шамдар мен жарық", 450, (
        r"CANDLES?", r"CANDLEHOLDERS?", r"CANDLESTICKS?", r"T-?LIGHTS?", r"TEA ?LIGHTS?",
        r"LANTERNS?", r"LIGHTS?", r"LAMPS?", r"LAMPSHADES?", r"CHANDELIER", r"INCENSE",
        r"NIGHTLIGHT", r"VOTIVE", r"CANDLE(?:POT|STAND)S?", r"[A-Z]+CANDLE", r"OIL BURNER",
        r"TORCH", r"MATCHES", r"LIGHTBULB", r"GLOWING", r"GLOW",
    )),
    R("mugs-cups", "Mugs & Cups", "Кружки и чашки", "Саптыаяқтар мен кеселер", 350, (
        r"MUGS?", r"CUPS?(?! CHOCOLATE)", r"TEACUPS?", r"SAUCERS?", r"BEAKERS?", r"TUMBLERS?",
        r"GLASSES", r"CHAMPAGNE", r"WINE GLASS", r"GOBLETS?", r"CHALICE", r"GLASS$",
    )),
    R("tea-coffee", "Tea & Coffee", "Чай и кофе", "Шай мен кофе", 500, (
        r"TEA(?! TOWELS?)(?! ?LIGHTS?)", r"COFFEE", r"TEAPOTS?", r"TEATIME", r"CADDY", r"CAFETIERE",
        r"SUGAR", r"MILK JUG", r"TEA COSY",
    )),
    R("lunch-picnic", "Lunch Boxes & Picnic", "Ланч-боксы и пикник", "Түскі ас қораптары мен пикник", 400, (
        r"LUNCH", r"LUNCHBOX", r"SNACK", r"PICNIC", r"FOOD CONTAINER", r"FLASK", r"WATER BOTTLE",
        r"BOTTLE(?! OPENER)(?<!HOT WATER BOTTLE)",
    )),
    R("kitchen-baking", "Kitchen & Baking", "Кухня и выпечка", "Ас үй және пісіру", 500, (
        r"KITCHEN", r"BAKING", r"BAKE", r"CAKE", r"CAKES", r"CUPCAKE", r"MUFFIN", r"CAKE CASES",
        r"BISCUIT", r"CUTTERS?", r"MOULDS?", r"RECIPE", r"APRON", r"OVEN", r"PANTRY", r"JARS?",
        r"SPOONS?", r"WHISK", r"SCALES", r"MEASURING", r"FRYING PAN", r"PAN", r"COLANDER",
        r"CHOPPING", r"BREAD", r"EGG CUPS?", r"JAM", r"JELLY", r"ICE", r"LOLLY", r"STRAWS",
        r"TIMER", r"SPATULA", r"ROLLING PIN", r"GRATER", r"BUTTER", r"HONEY", r"SALT", r"PEPPER",
        r"SPICE", r"HERB MARKER", r"CONTAINER", r"STORAGE TINS?", r"CANN?ISTERS?", r"TOAST ?RACK",
        r"SQUEEZER", r"CHOPSTICKS", r"JAMPOT", r"FLY SWAT", r"KNEELING MAT",
    )),
    R("tableware", "Tableware", "Посуда и сервировка", "Ыдыс-аяқ", 550, (
        r"PLATES?", r"BOWLS?", r"FRUITBOWL", r"DISH", r"DISHES", r"CUTLERY", r"TRAYS?", r"JUGS?",
        r"COASTERS?", r"PLACEMATS?", r"NAPKINS?", r"CAKESTAND", r"CAKE STAND", r"DINNER",
        r"SERVING", r"CRUET", r"DECANTER", r"CARAFE", r"TABLECLOTH",
    )),
    R("stationery", "Stationery", "Канцтовары", "Кеңсе тауарлары", 150, (
        r"NOTEBOOKS?", r"NOTEPAD", r"NOTE ?BOOK", r"PENCILS?", r"PENS?", r"ERASERS?", r"RUBBERS?",
        r"RULERS?", r"SKETCHBOOK", r"MEMO", r"JOURNAL", r"DIARY", r"CALENDAR", r"STICKERS?",
        r"STATIONERY", r"TAPE", r"CLIPS?", r"ENVELOPES?", r"BOOKMARKS?", r"ADDRESS BOOK",
        r"CRAYONS?", r"CHALK", r"DRAWING", r"COLOURING", r"STAMPS?", r"PAPERWEIGHT", r"P'WEIGHT",
        r"ORGANISER", r"HOLE PUNCH", r"CALCULATOR", r"TISSUE REAM", r"WRITING", r"LETTER RACK",
        r"PAD", r"PLANNER", r"PENCIL CASE", r"SHARPENER", r"BOOK", r"POSTER", r"PRINT",
    )),
    R("cards-wrapping", "Cards & Gift Wrap", "Открытки и упаковка", "Ашықхаттар мен орау", 60, (
        r"CARDS?", r"WRAP", r"WRAPPING", r"GIFT BAGS?", r"GIFT TAGS?", r"TAGS?", r"RIBBONS?",
        r"GREETING", r"POSTCARDS?", r"TISSUE PAPER", r"GIFT BOX", r"PAPER BAG", r"INVITES?",
        r"CONFETTI",
    )),
    R("clocks", "Clocks", "Часы", "Сағаттар", 600, (
        r"CLOCKS?", r"ALARM", r"WATCH",
    )),
    R("jewellery", "Jewellery", "Украшения и бижутерия", "Әшекейлер", 50, (
        r"NECKLACE", r"NECKL", r"BRACELET", r"EARRINGS?", r"RINGS?(?<!KEY RING)(?<!NAPKIN RING)",
        r"CHARMS?", r"PENDANT", r"BROOCH", r"BEADS?", r"BEADED", r"DIAMANTE", r"JEWELLERY",
        r"JEWELLED", r"BANGLE", r"TIARA", r"CRYSTAL", r"AMETHYST", r"PEARL", r"BLING", r"LARIAT",
        r"CHOKER", r"ANKLET",
    )),
    R("accessories", "Accessories", "Аксессуары", "Аксессуарлар", 150, (
        r"HAIR", r"HAIRBAND", r"HAIRCLIP", r"SLIDES?", r"SCARF", r"GLOVES?", r"MITTENS", r"HAT",
        r"UMBRELLA", r"KEY ?RINGS?", r"KEYRING", r"SUNGLASSES", r"COMPACT MIRROR", r"PASSPORT",
        r"LUGGAGE", r"TRAVEL", r"PHONE", r"CARD HOLDER", r"SHOPPING", r"HAND WARMER", r"EAR MUFFS?",
        r"BELT", r"COMB", r"POCKET MIRROR", r"FAN", r"SLIPPERS?", r"SOCKS?", r"BADGES?", r"PONCHO",
        r"KEY ?FOB", r"KEY-CHAINS?", r"HEADPHONES", r"COLLAR", r"GRASS SKIRT", r"SOMBRERO",
        r"SHOES?",
    )),
    R("frames-photo", "Frames & Photo", "Рамки и фотоальбомы", "Жақтаулар мен альбомдар", 500, (
        r"FRAMES?", r"PHOTO", r"PHOTOFRAMES?", r"PICTURE", r"ALBUM", r"PHOTOS",
    )),
    R("signs", "Signs & Plaques", "Таблички и вывески", "Тақтайшалар", 500, (
        r"SIGNS?", r"PLAQUES?", r"DOORSIGN", r"NUMBER TILE", r"TILE", r"BLACKBOARD", r"CHALKBOARD",
        r"LETTERS?", r"ALPHABET",
    )),
    R("toys-games", "Toys & Games", "Игрушки и игры", "Ойыншықтар мен ойындар", 300, (
        r"TOYS?", r"GAMES?", r"JIGSAW", r"PUZZLES?", r"DOLLS?", r"MARBLES", r"SKIPPING",
        r"SPINNING TOP", r"YO-?YO", r"KITES?", r"BINGO", r"DOMINOES", r"PLAYING CARDS", r"TEDDY",
        r"SOFT", r"BUBBLES", r"BALLOONS?", r"BALL", r"BALLS", r"PLAYHOUSE", r"SNAKES", r"LADDERS",
        r"RATTLE", r"PUPPET", r"SPACEBOY", r"NINJA", r"WOODEN BLOCKS", r"SNAP", r"MAGIC", r"TRAIN",
        r"ROBOT", r"SKITTLES", r"CONKER", r"BOOMERANG", r"CATAPULT", r"WATER PISTOL", r"HELICOPTER",
        r"FLYING DISC", r"INFLATABLES?", r"LUDO", r"CREEPY", r"CRAWLIES?", r"MONSTERS?",
        r"DOLPHINS", r"GLIDERS?", r"SPORTING", r"ROCKING HORSE", r"BUILDING BLOCKS?", r"SNAKE",
        r"SPACE FROG", r"SPACE OWL", r"SPACE CADET", r"CANARY", r"GECKO", r"HOOPLA", r"SOLDIER",
        r"KNITTED", r"STRESS BALL",
    )),
    R("party", "Party & Celebration", "Всё для праздника", "Мереке тауарлары", 250, (
        r"PARTY", r"BUNTING", r"BIRTHDAY", r"CRACKERS?", r"GARLAND", r"PAPER CHAIN", r"PARASOL",
        r"DOILEYS?", r"DOILIES", r"CAKE CASES?", r"STRAWS", r"CELEBRATION", r"WEDDING", r"PINATA",
        r"HATS?", r"PAPER PLATES?", r"PAPER CUPS?", r"BANNER", r"FLAGS?", r"BOTTLE OPENER",
        r"COCKTAIL",
    )),
    R("garden", "Garden & Outdoor", "Сад и дача", "Бақ және саяжай", 1200, (
        r"GARDEN", r"GARDENERS?", r"PLANTS?", r"PLANTERS?", r"CLOCHE", r"FLOWER ?POTS?",
        r"PLANT POTS?", r"POTS?", r"WATERING", r"BIRD ?FEEDER", r"BIRD ?HOUSE", r"BIRD TABLE",
        r"GNOMES?", r"TOADSTOOL", r"HAMMOCK", r"OUTDOOR", r"SEEDS?", r"TRUG", r"WHEELBARROW",
        r"HERBS?", r"GROW", r"WINDMILL", r"WIND ?CHIMES?", r"CHIMES?", r"BEACH", r"THERMOMETER",
        r"BUCKET", r"ZINC", r"HEN HOUSE", r"FEEDER", r"TROWEL", r"SPADE", r"PICNIC BLANKET",
    )),
    R("crafts", "Crafts & Sewing", "Рукоделие", "Қолөнер", 200, (
        r"CRAFT", r"FELTCRAFT", r"SEWING", r"KNITTING", r"BUTTONS?", r"STENCIL", r"MAKE YOUR OWN",
        r"KIT", r"GLITTER", r"SCISSORS", r"NEEDLES?", r"CROCHET", r"EMBROIDERY", r"ORIGAMI",
        r"PAINT", r"PAINTING", r"THREAD", r"TAPE MEASURE", r"PIN CUSHION", r"FELT", r"SCISSORS?",
        r"TWINE", r"PATCHES", r"TOOL SET", r"CLOTHES PEGS?", r"PEGS", r"SCRAPBOOK",
    )),
    R("textiles", "Textiles & Cushions", "Текстиль и подушки", "Тоқыма бұйымдар", 450, (
        r"CUSHIONS?", r"CUSHION COVER", r"COVER", r"COVERS", r"TOWELS?", r"TEA TOWELS?", r"BLANKET",
        r"THROW", r"QUILT", r"QUILTED", r"CURTAIN", r"FABRIC", r"HOT WATER BOTTLE", r"HOTTIE",
        r"OVEN GLOVE", r"FILLER PAD", r"RUG", r"DOORMAT", r"BEDSPREAD", r"PILLOW", r"LINEN",
        r"PATCHWORK", r"FLANNEL", r"MAT", r"VOILE",
    )),
    R("bath-beauty", "Bath & Beauty", "Ванная и уход", "Ванна және күтім", 300, (
        r"BATHROOM", r"BATH", r"SOAP", r"TOOTHBRUSH", r"SPONGE", r"TOILET", r"SHOWER",
        r"HAND CREAM", r"LIP GLOSS", r"BALM", r"MAKE ?UP", r"COSMETIC", r"MANICURE", r"NAIL",
        r"PERFUME", r"SCENT", r"SCENTED", r"LAVENDER", r"FRAGRANCE", r"BATH SALTS", r"PLASTERS",
        r"TISSUES", r"MIRROR", r"BEAUTY", r"SPA",
    )),
    # The occasion.
    R("christmas", "Christmas & New Year", "Рождество и Новый год", "Жаңа жыл мен Рождество", 250, (
        r"CHRISTMAS", r"XMAS", r"SANTA", r"REINDEER", r"ADVENT", r"SNOWFLAKES?", r"SNOWMAN",
        r"NOEL", r"BAUBLES?", r"TREE", r"STOCKING", r"ANGEL", r"NATIVITY", r"ROBIN", r"HOLLY",
        r"MISTLETOE", r"NORDIC", r"SCANDINAVIAN", r"STAR", r"STARS", r"GINGERBREAD", r"ELF",
        r"NUTCRACKER", r"WREATH", r"JINGLE", r"SLEIGH", r"BELLS?",
    )),
    R("easter", "Easter & Spring", "Пасха и весна", "Пасха және көктем", 250, (
        r"EASTER", r"BUNNY", r"BUNNIES", r"CHICKS?", r"HEN", r"EGGS?", r"SPRING", r"DAISY",
        r"RABBIT", r"LAMB", r"BLOSSOM", r"TULIP", r"DAFFODIL",
    )),
    R("halloween", "Halloween", "Хэллоуин", "Хэллоуин", 250, (
        r"HALLOWEEN", r"PUMPKIN", r"WITCH", r"SPIDER", r"SKULLS?", r"GHOST", r"BAT", r"BATS",
        r"SPOOKY", r"PIRATE", r"BLACK CAT",
    )),
    # Where it goes.
    R("storage", "Storage & Organisation", "Хранение и порядок", "Сақтау және реттеу", 900, (
        r"STORAGE", r"BOX", r"BOXES", r"BASKETS?", r"DRAWERS?", r"CABINET", r"TIDY", r"HOOKS?",
        r"HANGERS?", r"CRATES?", r"CHEST", r"TRUNK", r"SHELF", r"SHELVES", r"RACK", r"BINS?",
        r"CASE", r"CASES", r"TINS?", r"TRINKET", r"HOLDER", r"ORGANISER", r"PEG", r"COAT",
        r"KEY CABINET", r"WICKER", r"HAMPER", r"NEST OF", r"CUBE", r"MAGAZINE", r"LOCKER", r"SAFE",
        r"MONEY BANK", r"PIGGY BANK", r"MONEY BOX",
    )),
    R("home-decor", "Home Decor", "Декор для дома", "Үй сәндігі", 500, (
        r"DECORATIONS?", r"DECORATIVE", r"DECO", r"HANGING", r"ORNAMENTS?", r"WREATH", r"VASES?",
        r"DOORSTOP", r"FEATHER", r"MOBILE", r"KNOBS?", r"DOORKNOB", r"WALL ART", r"ARTIFICIAL",
        r"FLOWERS?", r"FIGURES?", r"STATUE", r"LOVEBIRDS?", r"BUTTERFLY", r"BUTTERFLIES",
        r"SCULPTURE", r"MAGNETS?", r"DOORHANGER", r"ROSETTE", r"BLIND", r"CHARGER", r"DISCO",
        r"DOVE", r"CHALET", r"COLLAGE", r"FLYING DUCKS", r"MUSHROOM", r"CHAIR", r"STOOL", r"TABLE",
        r"BUDDHA", r"ICICLE", r"GLOBE", r"WINDCHIME", r"LATTICE", r"STAND", r"MIRROR BALL",
        r"SCREEN", r"POUFFE", r"ASHTRAY", r"PORCELAIN ROSE", r"CLAM SHELL", r"HAND OPEN SHAPE",
        r"BASE",
    )),
    # The theme.
    R("children", "For Children", "Для детей", "Балаларға", 300, (
        r"CHILDRENS?", r"CHILDS", r"CHILD'?S", r"KIDS", r"BABY", r"NURSERY", r"SPACEBOY",
        r"DOLLY GIRL", r"CIRCUS", r"DINOSAURS?", r"SCHOOL", r"BIBS?", r"BOYS?", r"GIRLS?", r"FAIRY",
        r"PRINCESS", r"TEDDY", r"ANIMALS?", r"ALPHABET", r"WOODLAND", r"TOADSTOOL",
        r"RED RIDING HOOD", r"PINK FAIRY", r"JUNGLE", r"NOAHS ARK", r"MONKEY", r"RABBIT",
    )),
    R("hearts-love", "Hearts & Love", "Сердца и любовь", "Жүрек пен махаббат", 300, (
        r"HEARTS?", r"LOVE", r"SWEETHEART", r"VALENTINE", r"LOVEBIRDS?", r"CUPID", r"KISS",
        r"ROMANTIC", r"WEDDING",
    )),
    R("vintage", "Vintage & Retro", "Винтаж и ретро", "Винтаж және ретро", 400, (
        r"VINTAGE", r"RETRO", r"ANTIQUE", r"VICTORIAN", r"EDWARDIAN", r"BAROQUE", r"REGENCY",
        r"SHABBY", r"RETROSPOT", r"OLD", r"NOSTALGIA", r"CLASSIC", r"TRADITIONAL", r"1950",
        r"50'?S", r"ENGLISH ROSE", r"FRENCH", r"DINER", r"DOILEY", r"LACE", r"ANTIQUE",
    )),
)
# fmt: on
del R

OTHER = CategoryRule("other", "Other", "Другое", "Басқа", 400, ())
ALL_CATEGORIES: tuple[CategoryRule, ...] = (*RULES, OTHER)


def classify(description: str) -> list[CategoryRule]:
    """The categories a product description belongs to, main category first; "Other" when no
    rule matches."""
    text = description.upper()
    matched = [rule for rule in RULES if rule.regex.search(text)]
    return matched or [OTHER]


_SIZE_FACTORS = (
    (re.compile(r"\b(JUMBO|GIANT|EXTRA LARGE|XL)\b"), 1.8),
    (re.compile(r"\b(LARGE|BIG|TALL)\b"), 1.5),
    (re.compile(r"\b(SMALL|LITTLE)\b"), 0.6),
    (re.compile(r"\b(MINI|TINY)\b"), 0.4),
)
# Paper goods weigh little whatever category they fall in.
_LIGHT = re.compile(
    r"\b(CAKE CASES|NAPKINS|TISSUES|STICKERS?|PAPER|DOILIES|DOILEYS?|CARDS?|WRAP|TAGS|"
    r"ENVELOPES|CONFETTI|STRAWS)\b"
)
_COUNT = re.compile(r"\b(?:SET(?: OF)?|PACK(?: OF)?|BOX OF|PACK/)\s*(\d{1,3})\b|\b(\d{1,3}) ?PC\b")


def estimate_weight(description: str, rules: list[CategoryRule]) -> int:
    """A shipping weight in grams: the main category's typical weight, scaled by size words and
    by the number of pieces in a set (pieces weigh less than a single item, so the set's weight
    grows with the square root of the count)."""
    text = description.upper()
    grams = float(rules[0].weight_grams)
    if _LIGHT.search(text):
        grams = 60.0
    for pattern, factor in _SIZE_FACTORS:
        if pattern.search(text):
            grams *= factor
            break
    match = _COUNT.search(text)
    if match:
        count = int(match.group(1) or match.group(2))
        if 1 < count <= 200:
            grams *= count**0.5
    # Round to 10 g: an estimate must not look more precise than it is.
    return max(10, int(round(grams / 10.0)) * 10)
