//! Word lists that give each kind of product its own voice: adjectives, model
//! suffixes, colors, warranty terms and the sentences its descriptions are built from.
//!
//! Templates may use `{name}` (the product name without its color), `{brand}`,
//! `{leaf}` (the leaf category, e.g. "Headphones") and `{use}` (one of `uses`).
//!
//! The module is `rustfmt::skip`ped (in `lib.rs`): one word per line would make the
//! tables five times longer and much harder to scan.

/// A family of products that read alike. Several leaves share one kind, so the
/// vocabulary is written once per kind rather than once per leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Tech,
    Kitchen,
    Furniture,
    Textile,
    Decor,
    Gear,
    Apparel,
    Footwear,
    Beauty,
    /// Fiction and non-fiction: named by a title generator, not by a noun phrase.
    Book,
    /// Cookbooks, guides and dictionaries: noun phrases with a book format.
    Reference,
    Toy,
    Food,
    Tool,
    /// Watering and other garden hardware.
    Garden,
    /// Living things: seeds, bulbs, houseplants (no color, material or warranty).
    Plant,
}

/// How often (in percent) each optional part appears in a generated name.
#[derive(Debug)]
pub(crate) struct Style {
    pub adjective: u64,
    /// Given one adjective, the chance of a second.
    pub second_adjective: u64,
    pub material: u64,
    pub suffix: u64,
    pub size: u64,
    pub color: u64,
}

/// The vocabulary of one [`Kind`].
#[derive(Debug)]
pub(crate) struct Vocab {
    pub adjectives: &'static [&'static str],
    pub suffixes: &'static [&'static str],
    /// Empty when color is meaningless (books, food, cosmetics).
    pub colors: &'static [&'static str],
    /// Warranty lengths to draw from; empty means no warranty attribute.
    pub warranty_years: &'static [u64],
    pub openers: &'static [&'static str],
    /// Noun phrases that complete "It features … and …". At least two.
    pub features: &'static [&'static str],
    /// Noun phrases that complete "A smart choice for … and …". At least two.
    pub uses: &'static [&'static str],
    pub closers: &'static [&'static str],
    pub style: Style,
}

/// The vocabulary of `kind`.
pub(crate) fn vocab(kind: Kind) -> &'static Vocab {
    match kind {
        Kind::Tech => &TECH,
        Kind::Kitchen => &KITCHEN,
        Kind::Furniture => &FURNITURE,
        Kind::Textile => &TEXTILE,
        Kind::Decor => &DECOR,
        Kind::Gear => &GEAR,
        Kind::Apparel => &APPAREL,
        Kind::Footwear => &FOOTWEAR,
        Kind::Beauty => &BEAUTY,
        Kind::Book => &BOOK,
        Kind::Reference => &REFERENCE,
        Kind::Toy => &TOY,
        Kind::Food => &FOOD,
        Kind::Tool => &TOOL,
        Kind::Garden => &GARDEN,
        Kind::Plant => &PLANT,
    }
}

/// Places for book titles ("The Hidden Alibi of Saint-Malo"); a few carry accents so
/// accent-insensitive search has something to find.
pub(crate) const BOOK_PLACES: &[&str] = &[
    "Harbor Point",
    "Winter Hill",
    "the North",
    "Ashford",
    "the River",
    "Paris",
    "the Valley",
    "Blackwater",
    "the Stars",
    "Saint-Malo",
    "Córdoba",
    "the Lighthouse",
    "Ravenscroft",
    "Lake Geneva",
    "Kyoto",
    "the Old Mill",
    "Zürich",
    "Sea Glass Bay",
];

/// Book formats, shared by fiction and reference titles.
const BOOK_FORMATS: &[&str] = &[
    "(Paperback)",
    "(Paperback)",
    "(Hardcover)",
    "(Hardcover)",
    "(Large Print)",
    "(Illustrated Edition)",
    "(Anniversary Edition)",
];

static TECH: Vocab = Vocab {
    adjectives: &[
        "Wireless", "Portable", "Compact", "Smart", "Ultra-Slim", "Rugged", "Premium",
        "Lightweight", "Ergonomic", "Pro-Grade", "Everyday", "Travel", "Studio", "Classic",
        "Next-Gen", "Modular", "Low-Profile", "Sport", "Signature", "Essential", "Bluetooth",
        "Fast-Charging", "Weatherproof", "Hi-Res",
    ],
    suffixes: &[
        "Pro", "Max", "Mini", "2", "X", "Plus", "Lite", "X2", "S", "Ultra", "Air", "II", "3",
        "Pro 2", "SE", "Go", "One", "Neo", "Elite", "300", "500", "700", "Edge", "Pro Max", "4",
    ],
    colors: &[
        "black", "white", "silver", "space gray", "midnight blue", "graphite", "rose gold",
        "sage green", "red", "sand",
    ],
    warranty_years: &[1, 1, 1, 2, 2, 3],
    openers: &[
        "Meet the {brand} {name}, new in {leaf}.",
        "The {name} from {brand} is built for {use}.",
        "{brand} engineered the {name} for people who want dependable gear without the fuss.",
        "Upgrade your setup with the {name} by {brand}.",
        "The {name} brings {brand}'s signature engineering to {use}.",
    ],
    features: &[
        "all-day battery life",
        "USB-C fast charging",
        "a splash-resistant design",
        "a low-latency wireless connection",
        "an intuitive companion app",
        "seamless multi-device pairing",
        "a bright, glare-free display",
        "over-the-air firmware updates",
        "a recycled-aluminum chassis",
        "dual microphones for clear calls",
        "a magnetic quick-release mount",
        "a travel-ready carrying case",
    ],
    uses: &[
        "commuting",
        "the home office",
        "travel",
        "gaming sessions",
        "long workdays",
        "content creation",
        "the classroom",
        "workouts",
    ],
    closers: &[
        "Firmware updates keep it current for years.",
        "Includes a USB-C cable and a quick-start guide.",
        "Ships in plastic-free, recyclable packaging.",
        "Works with iOS, Android, Windows and macOS.",
    ],
    style: Style {
        adjective: 80, second_adjective: 30, material: 10, suffix: 55, size: 50, color: 15,
    },
};

static KITCHEN: Vocab = Vocab {
    adjectives: &[
        "Professional", "Classic", "Heirloom", "Everyday", "Heavy-Duty", "Chef's", "Artisan",
        "Essential", "Compact", "Premium", "Commercial-Grade", "Modern",
    ],
    suffixes: &["Set", "Collection", "Classic", "Signature", "Essentials", "Pro", "Deluxe"],
    colors: &["black", "red", "cream", "sage", "navy", "matte white", "charcoal", "copper"],
    warranty_years: &[1, 2, 5, 10],
    openers: &[
        "The {brand} {name} turns weeknight cooking into something to look forward to.",
        "Cook like a pro with the {name} from {brand}.",
        "From {brand}'s {leaf} range, the {name} is built for {use}.",
        "Home cooks and chefs alike reach for the {name} by {brand}.",
    ],
    features: &[
        "even heat distribution",
        "riveted stay-cool handles",
        "a dishwasher-safe finish",
        "a PFAS-free nonstick coating",
        "oven-safe performance up to 500°F",
        "a precision-ground edge",
        "a drip-free pouring rim",
        "compatibility with every cooktop, including induction",
        "one-touch presets",
        "a space-saving footprint",
    ],
    uses: &[
        "weeknight dinners",
        "weekend baking",
        "searing and braising",
        "meal prep",
        "holiday entertaining",
        "small kitchens",
        "backyard cookouts",
    ],
    closers: &[
        "Hand-wash to keep it looking new for years.",
        "Every piece is inspected before it ships.",
        "Pairs beautifully with the rest of the collection.",
        "A thoughtful gift for new homeowners.",
    ],
    style: Style {
        adjective: 60, second_adjective: 10, material: 60, suffix: 10, size: 60, color: 10,
    },
};

static FURNITURE: Vocab = Vocab {
    adjectives: &[
        "Mid-Century", "Modern", "Rustic", "Farmhouse", "Scandinavian", "Minimalist",
        "Industrial", "Convertible", "Stackable", "Folding", "Upholstered", "Ergonomic",
        "Classic", "Low-Profile", "Modular", "Weather-Resistant",
    ],
    suffixes: &["Collection", "Classic", "Signature", "Set", "Studio", "Loft Edition"],
    colors: &["natural", "walnut brown", "black", "white", "gray", "espresso", "olive", "oatmeal"],
    warranty_years: &[1, 2, 5],
    openers: &[
        "The {name} from {brand} anchors any room with clean lines and honest materials.",
        "{brand} designed the {name} for {use}.",
        "Bring home the {name}, a {brand} favorite in {leaf}.",
    ],
    features: &[
        "tool-free assembly in under 20 minutes",
        "a weight capacity of 300 lb",
        "scratch-resistant felt feet",
        "a water-resistant finish",
        "hidden cable management",
        "adjustable leveling glides",
        "kiln-dried hardwood joinery",
        "removable, washable covers",
    ],
    uses: &[
        "small apartments",
        "the home office",
        "family dining",
        "reading nooks",
        "open-plan living rooms",
        "patios and balconies",
    ],
    closers: &[
        "Ships flat-packed in a single box.",
        "Assembly hardware and instructions are included.",
        "Each piece shows natural variation in grain and tone.",
        "Wipe clean with a damp cloth.",
    ],
    style: Style {
        adjective: 70, second_adjective: 15, material: 60, suffix: 10, size: 30, color: 15,
    },
};

static TEXTILE: Vocab = Vocab {
    adjectives: &[
        "Luxury", "Breathable", "Cooling", "Hotel-Quality", "Lightweight", "All-Season",
        "Hypoallergenic", "Percale", "Stonewashed", "Plush", "Classic", "Brushed", "Oeko-Tex",
    ],
    suffixes: &["Set", "Collection", "Essentials", "Classic", "Signature"],
    colors: &["white", "ivory", "sage", "slate blue", "charcoal", "blush", "sand", "navy"],
    warranty_years: &[],
    openers: &[
        "Sleep better with the {name} from {brand}.",
        "The {brand} {name} is made for {use}.",
        "Soft from the first night, the {name} is a {brand} essential in {leaf}.",
    ],
    features: &[
        "a breathable weave that stays cool",
        "deep pockets that fit mattresses up to 16 inches",
        "corner ties that keep the insert in place",
        "machine-washable care",
        "a 400-thread-count finish",
        "double-stitched hems",
        "responsibly sourced fibers",
        "a cloud-like loft",
    ],
    uses: &[
        "hot sleepers", "guest rooms", "year-round comfort", "lazy Sunday mornings", "kids' rooms",
    ],
    closers: &[
        "Machine wash cold, tumble dry low.",
        "Gets softer with every wash.",
        "Certified free of harmful substances.",
        "Arrives in a reusable cotton pouch.",
    ],
    style: Style {
        adjective: 70, second_adjective: 20, material: 60, suffix: 10, size: 60, color: 15,
    },
};

static DECOR: Vocab = Vocab {
    adjectives: &[
        "Modern", "Vintage", "Handcrafted", "Minimalist", "Boho", "Coastal", "Sculptural",
        "Oversized", "Abstract", "Botanical", "Geometric", "Classic", "Gallery",
    ],
    suffixes: &["Collection", "Edition", "Signature", "Studio", "Series"],
    colors: &["brass", "black", "white", "terracotta", "sage", "navy", "cream", "multicolor"],
    warranty_years: &[1, 2],
    openers: &[
        "Give any room a finishing touch with the {name} from {brand}.",
        "The {brand} {name} brings warmth and character to {use}.",
        "Curated for our {leaf} collection, the {name} is a {brand} original.",
    ],
    features: &[
        "a hand-finished surface",
        "a dimmable warm-white glow",
        "a non-slip backing",
        "ready-to-hang hardware",
        "fade-resistant inks",
        "a weighted, tip-resistant base",
        "an inline foot switch",
        "low-shed fibers",
    ],
    uses: &[
        "living rooms",
        "entryways",
        "bedrooms",
        "the home office",
        "rental-friendly styling",
        "gallery walls",
    ],
    closers: &[
        "Each piece is unique, so slight variations are expected.",
        "Bulb not included.",
        "Spot clean only.",
        "Makes a memorable housewarming gift.",
    ],
    style: Style {
        adjective: 70, second_adjective: 15, material: 50, suffix: 10, size: 40, color: 10,
    },
};

static GEAR: Vocab = Vocab {
    adjectives: &[
        "Ultralight", "Packable", "Waterproof", "All-Weather", "Trail", "Expedition",
        "Adjustable", "Insulated", "Reflective", "Breathable", "Heavy-Duty", "Compact",
        "Quick-Dry", "Performance", "Backcountry", "Training",
    ],
    suffixes: &["Pro", "Lite", "UL", "2.0", "Elite", "Trail", "Expedition", "X", "Plus", "Sport"],
    colors: &["black", "orange", "forest green", "blue", "red", "gray", "yellow", "olive"],
    warranty_years: &[1, 2, 5],
    openers: &[
        "Go further with the {brand} {name}.",
        "The {name} from {brand} is built for {use}.",
        "Tested by athletes and guides, the {name} is a {brand} standout in {leaf}.",
    ],
    features: &[
        "fully taped seams",
        "a lightweight aluminum frame",
        "reflective accents for low-light visibility",
        "a sweat-wicking lining",
        "a non-slip grip",
        "a packed size smaller than a water bottle",
        "adjustable compression straps",
        "a lifetime-tested zipper",
        "quick one-person setup",
        "an ergonomic, padded harness",
    ],
    uses: &[
        "weekend camping",
        "backpacking trips",
        "home workouts",
        "the gym",
        "daily commutes",
        "race day",
        "alpine adventures",
    ],
    closers: &[
        "Includes a stuff sack.",
        "Rinse with fresh water after use.",
        "Designed and tested in the mountains.",
        "Replacement parts are available for years.",
    ],
    style: Style {
        adjective: 70, second_adjective: 20, material: 25, suffix: 35, size: 50, color: 10,
    },
};

static APPAREL: Vocab = Vocab {
    adjectives: &[
        "Slim-Fit", "Relaxed-Fit", "Classic", "Vintage", "Lightweight", "Stretch", "Cropped",
        "Oversized", "Tailored", "Everyday", "Quilted", "Ribbed", "Wrinkle-Free", "Cozy",
        "Heritage", "Packable",
    ],
    suffixes: &["Classic", "Essential", "Heritage", "2.0", "Signature", "Original"],
    colors: &[
        "black", "white", "navy", "heather gray", "olive", "burgundy", "camel", "denim blue",
        "cream", "forest green", "blush",
    ],
    warranty_years: &[],
    openers: &[
        "The {name} from {brand} is an easy wardrobe staple.",
        "{brand} cut the {name} for {use}.",
        "Effortless and versatile, the {name} is one of {brand}'s best sellers in {leaf}.",
    ],
    features: &[
        "a soft, brushed finish",
        "reinforced seams",
        "a tag-free collar",
        "a bit of stretch for easy movement",
        "real horn buttons",
        "deep side pockets",
        "a garment-dyed color that fades beautifully",
        "a flattering, true-to-size fit",
    ],
    uses: &[
        "the office",
        "weekends",
        "travel",
        "date night",
        "layering in cooler months",
        "everyday wear",
    ],
    closers: &[
        "Machine wash cold and hang dry.",
        "Model is 6'1\" and wears size M.",
        "Fits true to size.",
        "Made in a fair-trade certified factory.",
    ],
    style: Style {
        adjective: 70, second_adjective: 25, material: 50, suffix: 10, size: 0, color: 30,
    },
};

static FOOTWEAR: Vocab = Vocab {
    adjectives: &[
        "Lightweight", "Waterproof", "Cushioned", "Classic", "Slip-On", "High-Top", "Low-Top",
        "Everyday", "Minimalist", "Performance", "Retro", "All-Terrain", "Breathable",
    ],
    suffixes: &["2", "3", "Pro", "GTX", "Lite", "Max", "Classic", "Runner", "Trail"],
    colors: &["black", "white", "gray", "navy", "tan", "olive", "red", "brown"],
    warranty_years: &[],
    openers: &[
        "Step out in the {name} from {brand}.",
        "The {brand} {name} is made for {use}.",
        "Cushioned, supportive and ready for anything, the {name} is a {brand} favorite in {leaf}.",
    ],
    features: &[
        "a responsive foam midsole",
        "a grippy rubber outsole",
        "a breathable knit upper",
        "a padded heel collar",
        "a removable, cushioned insole",
        "a waterproof membrane",
        "a rock plate for rough trails",
        "a 6 mm heel-to-toe drop",
    ],
    uses: &[
        "daily runs", "long walks", "trail days", "the commute", "weekend errands", "all-day wear",
    ],
    closers: &[
        "Fits true to size; go up half a size for thick socks.",
        "Spot clean with mild soap.",
        "Ships in a recycled shoebox.",
        "Free exchanges on sizing.",
    ],
    style: Style {
        adjective: 70, second_adjective: 20, material: 30, suffix: 40, size: 0, color: 20,
    },
};

static BEAUTY: Vocab = Vocab {
    adjectives: &[
        "Hydrating", "Brightening", "Vitamin C", "Hyaluronic", "Gentle", "Fragrance-Free",
        "Overnight", "Nourishing", "Clarifying", "Repairing", "Soothing", "Retinol", "Daily",
        "Botanical", "Radiance", "Niacinamide", "Ceramide",
    ],
    suffixes: &[
        "Plus", "Intense", "Advanced", "Night", "Daily", "Ultra", "SPF 30", "SPF 50", "Rich",
    ],
    colors: &[],
    warranty_years: &[],
    openers: &[
        "The {brand} {name} is a daily ritual worth savoring.",
        "{brand} formulated the {name} for {use}.",
        "A cult favorite in {leaf}, the {name} from {brand} delivers visible results.",
        "Treat yourself to the {name} from {brand}.",
    ],
    features: &[
        "a lightweight, non-greasy texture",
        "clinically tested results",
        "a blend of ceramides and niacinamide",
        "cold-pressed botanical oils",
        "a pH-balanced formula",
        "no parabens or sulfates",
        "a subtle, natural finish",
        "long-lasting wear",
        "a refillable glass bottle",
    ],
    uses: &[
        "sensitive skin",
        "morning and evening routines",
        "dry climates",
        "everyday wear",
        "travel bags",
        "post-workout refreshes",
    ],
    closers: &[
        "Dermatologist tested.",
        "Never tested on animals.",
        "Patch test before first use.",
        "Packaged in recyclable materials.",
    ],
    style: Style {
        adjective: 85, second_adjective: 40, material: 0, suffix: 25, size: 50, color: 0,
    },
};

static BOOK: Vocab = Vocab {
    adjectives: &[
        "Silent", "Last", "Hidden", "Broken", "Golden", "Forgotten", "Midnight", "Crimson",
        "Distant", "Quiet", "Wild", "Lost", "Burning", "Hollow", "Secret", "Little", "Long",
        "Final", "Winter", "Bright",
    ],
    suffixes: BOOK_FORMATS,
    colors: &[],
    warranty_years: &[],
    openers: &[
        "{name} is one of the most talked-about titles in {leaf} this season.",
        "From {brand} comes {name}, new in {leaf}.",
        "Readers are calling {name} impossible to put down.",
        "{name} is the {leaf} pick our booksellers recommend most.",
    ],
    features: &[
        "richly drawn characters",
        "a twist you won't see coming",
        "meticulous research",
        "vivid, cinematic prose",
        "practical exercises at the end of each chapter",
        "full-color illustrations",
        "a new foreword by the author",
        "discussion questions for book clubs",
    ],
    uses: &[
        "book clubs",
        "long flights",
        "a rainy weekend",
        "bedtime reading",
        "gifting",
        "classroom discussion",
    ],
    closers: &[
        "Also available as an e-book and audiobook.",
        "Printed on responsibly sourced paper.",
        "A perfect gift for the reader in your life.",
        "Published by {brand}.",
    ],
    // Only `suffix` (the format) is used: book titles have their own generator.
    style: Style {
        adjective: 0, second_adjective: 0, material: 0, suffix: 60, size: 0, color: 0,
    },
};

static REFERENCE: Vocab = Vocab {
    adjectives: &[
        "Complete", "Essential", "Illustrated", "Pocket", "Concise", "Ultimate", "Everyday",
        "Modern", "Compact", "Visual", "New", "Family",
    ],
    suffixes: BOOK_FORMATS,
    colors: &[],
    warranty_years: &[],
    openers: &[
        "The {name} is the {leaf} title our booksellers recommend most.",
        "From {brand} comes the {name}, fully revised and updated.",
        "Keep the {name} close at hand for {use}.",
    ],
    features: &[
        "hundreds of full-color photographs",
        "clear, step-by-step instructions",
        "fold-out maps",
        "a detailed index",
        "expert tips in every chapter",
        "a lay-flat binding",
        "thousands of new entries",
        "durable, wipe-clean covers",
    ],
    uses: &[
        "home cooks",
        "trip planning",
        "students",
        "curious minds",
        "gifting",
        "the kitchen shelf",
    ],
    closers: &[
        "Also available as an e-book.",
        "Printed on responsibly sourced paper.",
        "A perfect gift for the reader in your life.",
        "Published by {brand}.",
    ],
    style: Style {
        adjective: 75, second_adjective: 10, material: 0, suffix: 70, size: 0, color: 0,
    },
};

static TOY: Vocab = Vocab {
    adjectives: &[
        "Deluxe", "Classic", "Magnetic", "Glow-in-the-Dark", "Giant", "Interactive",
        "Educational", "STEM", "Rainbow", "Pocket", "Family", "Jumbo", "Musical", "Collector's",
    ],
    suffixes: &[
        "Deluxe Edition", "Starter Set", "Junior", "Classic", "Jumbo", "Travel Edition", "Mini",
        "Party Pack",
    ],
    colors: &["multicolor", "red", "blue", "yellow", "green", "pink", "purple", "natural wood"],
    warranty_years: &[],
    openers: &[
        "Hours of fun start with the {name} from {brand}.",
        "The {brand} {name} is made for {use}.",
        "A favorite in {leaf}, the {name} from {brand} sparks imagination at every age.",
    ],
    features: &[
        "non-toxic, child-safe paints",
        "rounded edges",
        "pieces that work with other sets",
        "a sturdy storage box",
        "easy-to-follow picture instructions",
        "replayable challenge cards",
        "a machine-washable body",
        "batteries included",
    ],
    uses: &[
        "ages 3 and up",
        "ages 8 and up",
        "family game night",
        "rainy afternoons",
        "birthday gifts",
        "classrooms",
        "road trips",
    ],
    closers: &[
        "Warning: choking hazard, small parts; not for children under 3.",
        "Meets all US toy safety standards.",
        "Adult assembly may be required.",
        "Collect the whole series.",
    ],
    style: Style {
        adjective: 70, second_adjective: 15, material: 30, suffix: 20, size: 50, color: 5,
    },
};

static FOOD: Vocab = Vocab {
    adjectives: &[
        "Organic", "Fair Trade", "Small-Batch", "Gluten-Free", "Non-GMO", "Artisan", "Classic",
        "Premium", "Farmhouse", "Family Recipe", "Wholesome", "Everyday", "Imported", "Heritage",
        "Reserve",
    ],
    suffixes: &["Family Size", "Value Pack", "Reserve", "Limited Batch", "Multipack"],
    colors: &[],
    warranty_years: &[],
    openers: &[
        "Stock your pantry with {name} from {brand}.",
        "{brand} makes {name} for {use}.",
        "One of our most-loved picks in {leaf}, {name} from {brand} tastes like it came from a \
         neighborhood shop.",
    ],
    features: &[
        "simple, recognizable ingredients",
        "no artificial colors or flavors",
        "a resealable freshness pouch",
        "sustainably sourced ingredients",
        "bold, balanced flavor",
        "a recipe unchanged since 1952",
        "whole-grain goodness",
        "small-batch production",
    ],
    uses: &[
        "busy mornings",
        "lunchboxes",
        "entertaining",
        "late-night snacking",
        "weeknight cooking",
        "the office pantry",
    ],
    closers: &[
        "Store in a cool, dry place.",
        "Best enjoyed within 30 days of opening.",
        "Produced in a facility that also handles tree nuts.",
        "Certified kosher.",
    ],
    style: Style {
        adjective: 85, second_adjective: 40, material: 0, suffix: 10, size: 70, color: 0,
    },
};

static TOOL: Vocab = Vocab {
    adjectives: &[
        "Cordless", "Brushless", "Heavy-Duty", "Compact", "Professional", "Magnetic",
        "Precision", "Ergonomic", "Industrial", "Digital", "Rust-Resistant", "Quick-Release",
        "Contractor-Grade", "Variable-Speed",
    ],
    suffixes: &["Pro", "Max", "XR", "20V", "18V", "Compact", "Plus", "2.0", "Kit", "Combo Kit"],
    colors: &["yellow", "red", "black", "orange", "blue", "green"],
    warranty_years: &[1, 3, 5],
    openers: &[
        "Get the job done right with the {brand} {name}.",
        "The {name} from {brand} is built for {use}.",
        "Trusted on job sites, the {name} is a {brand} best seller in {leaf}.",
    ],
    features: &[
        "a brushless motor for longer runtime",
        "a two-speed gearbox",
        "an LED work light",
        "a rubberized, anti-slip grip",
        "a hardened, drop-forged head",
        "a magnetic tip",
        "a backlit digital display",
        "a hard-shell carrying case",
        "tool-free blade changes",
        "an IP54 dust- and water-resistant rating",
    ],
    uses: &[
        "home repairs",
        "weekend projects",
        "professional job sites",
        "furniture assembly",
        "deck building",
        "renovations",
        "yard work",
    ],
    closers: &[
        "Battery and charger sold separately.",
        "Compatible with the full {brand} battery platform.",
        "Replacement parts available for 10 years.",
        "Read all safety instructions before use.",
    ],
    style: Style {
        adjective: 70, second_adjective: 30, material: 20, suffix: 50, size: 40, color: 5,
    },
};

static GARDEN: Vocab = Vocab {
    adjectives: &[
        "Heavy-Duty", "Weatherproof", "Adjustable", "Compact", "Lightweight", "Premium",
        "UV-Resistant", "Commercial-Grade", "Classic", "Self-Watering", "Easy-Store",
    ],
    suffixes: &["Pro", "Plus", "Classic", "Collection", "Kit", "Deluxe"],
    colors: &["green", "black", "terracotta", "blue", "charcoal", "natural"],
    warranty_years: &[1, 2, 3],
    openers: &[
        "Grow something beautiful with the {name} from {brand}.",
        "The {brand} {name} is made for {use}.",
        "A gardener favorite in {leaf}, the {name} from {brand} makes yard work easier.",
    ],
    features: &[
        "UV-stabilized materials",
        "a leak-proof brass connector",
        "brass fittings that won't corrode",
        "an adjustable spray pattern",
        "a rust-proof finish",
        "a comfortable, cushioned grip",
        "a drip-free seal",
        "a self-coiling design",
    ],
    uses: &[
        "raised beds",
        "patio containers",
        "large lawns",
        "vegetable gardens",
        "balcony gardens",
        "first-time gardeners",
    ],
    closers: &[
        "Drain and store indoors before the first frost.",
        "Store in a shed or garage over winter.",
        "Ships in plastic-free packaging.",
        "Replacement washers are included.",
    ],
    style: Style {
        adjective: 60, second_adjective: 15, material: 20, suffix: 15, size: 50, color: 5,
    },
};

static PLANT: Vocab = Vocab {
    adjectives: &[
        "Heirloom", "Organic", "Easy-Grow", "Perennial", "Fast-Growing", "Low-Maintenance",
        "Hardy", "Fragrant",
    ],
    suffixes: &["Collection", "Starter Kit", "Classic", "Gift Set"],
    colors: &[],
    warranty_years: &[],
    openers: &[
        "Grow something beautiful with the {name} from {brand}.",
        "The {brand} {name} is made for {use}.",
        "A gardener favorite in {leaf}, the {name} from {brand} thrives with minimal fuss.",
    ],
    features: &[
        "a germination rate above 90%",
        "detailed planting instructions",
        "hand-selected, top-size stock",
        "a guaranteed-healthy arrival",
        "fast, vigorous growth",
        "long-lasting blooms",
        "a compact, tidy habit",
        "sturdy, established roots",
    ],
    uses: &[
        "raised beds",
        "patio containers",
        "vegetable gardens",
        "balcony gardens",
        "first-time gardeners",
        "sunny windowsills",
        "bright living rooms",
    ],
    closers: &[
        "Plant after the last frost date in your area.",
        "Ships in plastic-free packaging.",
        "Grown and packed in the USA.",
        "Arrives with a care card.",
    ],
    style: Style {
        adjective: 75, second_adjective: 25, material: 0, suffix: 10, size: 50, color: 0,
    },
};
