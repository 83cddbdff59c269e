//! The category tree: 10 departments, 40 subcategories, 120 leaves, and ~300 brands.
//!
//! Every leaf says what its products are called, what they cost and weigh, and which
//! materials and sizes make sense for them, so a generated tent is never "Queen" and a
//! paperback never costs $900. Order matters: a product's leaf is drawn by position,
//! so reordering, adding or removing entries changes the generated catalogs (and the
//! committed sample, whose test will then say so).
//!
//! The module is `rustfmt::skip`ped (in `lib.rs`) so each leaf stays a compact block.

use std::sync::OnceLock;

use crate::vocab::Kind;

/// A top-level department with its brands.
#[derive(Debug)]
pub(crate) struct Department {
    pub name: &'static str,
    /// Three uppercase letters, the first part of every SKU in the department.
    pub code: &'static str,
    pub brands: &'static [&'static str],
    pub subs: &'static [Sub],
}

/// A second-level category.
#[derive(Debug)]
pub(crate) struct Sub {
    pub name: &'static str,
    pub leaves: &'static [Leaf],
}

/// A leaf category: where products are filed.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub name: &'static str,
    /// Three uppercase letters, the second part of the SKU.
    pub code: &'static str,
    pub kind: Kind,
    /// What the products are called ("Over-Ear Headphones"); for books, title words.
    pub nouns: &'static [&'static str],
    /// Price range in cents, inclusive.
    pub price: (u64, u64),
    /// Typical weight in grams; products vary around it.
    pub grams: u64,
    /// Lower-case materials; empty when material means nothing (food, cosmetics).
    pub materials: &'static [&'static str],
    /// Sizes as shown to shoppers; empty when products come in one size.
    pub sizes: &'static [&'static str],
    /// Adjectives replacing the kind's when those would read wrong ("Nonstick Blender").
    pub adjectives: &'static [&'static str],
}

/// A leaf with its ancestors and its full path, as the generator uses it.
#[derive(Debug)]
pub(crate) struct Slot {
    pub department: &'static Department,
    pub leaf: &'static Leaf,
    /// "Department/Sub/Leaf".
    pub path: String,
}

/// Every leaf, in table order. Built once: products pick a leaf by position.
pub(crate) fn slots() -> &'static [Slot] {
    static SLOTS: OnceLock<Vec<Slot>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let mut slots = Vec::new();
        for department in DEPARTMENTS {
            for sub in department.subs {
                for leaf in sub.leaves {
                    let path = format!("{}/{}/{}", department.name, sub.name, leaf.name);
                    slots.push(Slot { department, leaf, path });
                }
            }
        }
        slots
    })
}

/// The departments (read by tests to check the tree's shape).
#[cfg(test)]
pub(crate) fn departments() -> &'static [Department] {
    DEPARTMENTS
}

/// Builds a [`Leaf`] from one line: code, name, kind, nouns, cents range, grams,
/// materials, sizes and optionally adjectives.
macro_rules! leaf {
    ($code:literal, $name:literal, $kind:ident, $nouns:expr, $lo:literal..=$hi:literal,
     $grams:literal, $materials:expr, $sizes:expr $(, $adjectives:expr)?) => {
        Leaf {
            code: $code,
            name: $name,
            kind: Kind::$kind,
            nouns: $nouns,
            price: ($lo, $hi),
            grams: $grams,
            materials: $materials,
            sizes: $sizes,
            adjectives: leaf!(@adjectives $($adjectives)?),
        }
    };
    (@adjectives) => { &[] };
    (@adjectives $adjectives:expr) => { $adjectives };
}

type Words = &'static [&'static str];

const NONE: Words = &[];

// Materials, lower case: they appear in attributes and descriptions as written and in
// names title-cased.
const M_TECH: Words = &[
    "aluminum", "polycarbonate", "recycled plastic", "matte ABS", "carbon fiber",
];
const M_COOKWARE: Words = &[
    "cast iron", "stainless steel", "hard-anodized aluminum", "carbon steel", "copper",
    "enameled cast iron",
];
const M_BLADE: Words = &["high-carbon steel", "Damascus steel", "stainless steel", "ceramic"];
const M_APPLIANCE: Words = &["brushed stainless steel", "matte plastic", "glass", "die-cast metal"];
const M_FURNITURE: Words = &[
    "solid oak", "walnut", "powder-coated steel", "rattan", "bamboo", "acacia",
];
const M_WOOD: Words = &["solid oak", "walnut", "bamboo", "pine", "birch plywood", "acacia"];
const M_BEDDING: Words = &[
    "cotton", "linen", "bamboo viscose", "sateen cotton", "flannel", "microfiber",
];
const M_FILL: Words = &["down", "down alternative", "memory foam", "wool", "buckwheat"];
const M_LAMP: Words = &["brass", "ceramic", "glass", "matte steel", "rattan"];
const M_RUG: Words = &["wool", "jute", "cotton", "polypropylene", "sisal"];
const M_ART: Words = &["canvas", "framed paper", "metal", "reclaimed wood"];
const M_OUTDOOR: Words = &["ripstop nylon", "polyester", "Cordura nylon", "recycled nylon"];
const M_APPAREL: Words = &[
    "cotton", "organic cotton", "merino wool", "linen", "polyester", "flannel", "Pima cotton",
];
const M_SHOE: Words = &["mesh", "leather", "suede", "knit", "canvas", "recycled synthetics"];
const M_BOTTLE: Words = &["stainless steel", "BPA-free plastic", "recycled nylon"];

// Sizes, as a shopper reads them.
const S_APPAREL: Words = &["XS", "S", "M", "L", "XL", "XXL"];
const S_SHOE: Words = &["US 6", "US 7", "US 8", "US 9", "US 10", "US 11", "US 12"];
const S_BED: Words = &["Twin", "Full", "Queen", "King", "California King"];
const S_ML: Words = &["30 ml", "50 ml", "100 ml", "200 ml"];
const S_FRAGRANCE: Words = &["30 ml", "50 ml", "100 ml"];
const S_WATCH: Words = &["40 mm", "42 mm", "44 mm", "46 mm"];
const S_PIECES: Words = &["100-Piece", "250-Piece", "500-Piece", "1000-Piece"];
const S_BAG: Words = &["5 oz", "8 oz", "13 oz"];
const S_CEREAL: Words = &["12 oz", "18 oz", "26 oz"];
const S_TRIM: Words = &["5 x 8 in", "5.5 x 8.5 in", "6 x 9 in", "8 x 10 in"];

// The ~300 brands, 30 per department. Some carry accents (Café Noir, Müller & Söhne)
// so accent-insensitive search is exercised by ordinary data.
const B_ELECTRONICS: Words = &[
    "Acme Audio", "Kestrel", "Northwind", "Voltaic", "Lumen Labs", "Halcyon", "Sonara",
    "Brightwave", "Pixelforge", "Quantix", "Auralis", "Nimbus", "Ferrox", "Zephyr Sound",
    "Orbitron", "Vantage Optics", "Helix", "Stratos", "Corvid", "Tessel", "Résonance",
    "Blue Heron", "Ionix", "Parallax", "Synthwave", "Meridian Digital", "Arcwell",
    "Polaris Labs", "Écoute", "Cobalt Circuit",
];
const B_HOME: Words = &[
    "Café Noir", "Müller & Söhne", "Hearth & Home", "Linden House", "Oak & Ember",
    "Maison Lumière", "Ironstone", "Copperleaf", "Willow Lane", "Nordhaus", "Casa Serena",
    "Juniper Row", "Stillwater Home", "Birch & Bloom", "Ashford Living", "Høst", "Fernwood",
    "Pottery Lane", "Greystone Kitchen", "Harbor Linen", "Bellhaven", "Atelier Côté",
    "Thistle & Thread", "Marlowe Home", "Cedar Hollow", "Saltbox", "Quill & Quilt", "Dunmore",
    "Brûlée & Co.", "Velde",
];
const B_SPORTS: Words = &[
    "Summit Ridge", "Trailhead", "Alpenglow", "Peak & Pine", "Redline Athletics", "Stride",
    "Granite Peak", "Wildcat Outfitters", "Velox", "Tundra", "Basecamp Co.", "Cascadia",
    "Switchback", "Ironclad Fitness", "Tempo", "Lynx Sport", "Fjordline", "Sierra Vista",
    "Kinetic", "Montaña", "Glacier Gear", "Pace & Co.", "Highline", "Bravura", "Coastline",
    "Solstice Trail", "Ascent", "Norrland", "Skye", "Vélo Rapide",
];
const B_BEAUTY: Words = &[
    "Lumière Skin", "Crème Atelier", "Belle Rose", "Pure Botanica", "Glow Theory", "Aurélie",
    "Silk & Salt", "Verdant", "Dewdrop", "Maison Belle", "Halo Beauty", "Nectar Lab", "Lune",
    "Opaline", "Petal & Pine", "Saffron Row", "Éclat", "Amaryllis", "Clearwater", "Olea",
    "Mirabel", "Velvet Fox", "True North Beauty", "Solène", "Bloom Theory", "Sable & Rose",
    "Isla", "Ambré", "Coralie", "Wren & Wild",
];
const B_BOOKS: Words = &[
    "Lanternfish Press", "Harbor & Quill", "Éditions Lune", "Blue Door Books", "Ravenwood",
    "Paper Crane", "Foxglove Press", "Meridian House", "Inkwell", "Night Owl Books",
    "Bramble Books", "Tidewater", "Old Mill Press", "Larkspur", "North Star Publishing",
    "Greenleaf & Sons", "Juniper Press", "Kite String", "Marigold", "Wayfarer Books",
    "Atlas & Ink", "Brightline", "Sparrow House", "Open Field", "Whitestone", "Livres Soleil",
    "Hearthstone Books", "Cobblestone Press", "Pemberly Press", "Verlag Grünwald",
];
const B_CLOTHING: Words = &[
    "Thread & Needle", "Harlow & Finch", "Maison Ardente", "Field & Fathom", "Cotton Republic",
    "Selvage Co.", "Wool & Wander", "Ashbury", "Linnea", "Brooks & Lane", "Saint Clair",
    "Ocean Thread", "Oakhurst", "Marlow", "Mercer & Vine", "Tailor Row", "Cordova", "Kinsley",
    "Driftwood", "Ivy & Oak", "Rosalind", "Bellamy", "Hollis", "Atelier Noé", "Søren",
    "Rue Belle", "Canyon Supply", "Wilder", "Greyfield", "Mistral",
];
const B_TOYS: Words = &[
    "Tiny Titans", "Bright Bricks", "Playwell", "Wonderbox", "Sprout & Sprocket", "Kiddo Labs",
    "Puzzle Parade", "Marble Mountain", "Happy Hollow", "Star Cadet", "Whirligig",
    "Little Otter", "Jolly Jumbo", "Tinker Town", "Rainbow Rocket", "Pocket Pals", "Moonbeam",
    "Zany Zebra", "Brick & Block", "Kite Country", "Splash Patrol", "Toy Atelier",
    "Jouets Julien", "Cuddle Co.", "Galaxy Games", "Pebble", "Quest & Co.", "Fable Toys",
    "Lollipop Lane", "Nifty Noggin",
];
const B_GROCERY: Words = &[
    "Señor Sabor", "Golden Acre", "Harvest Moon", "Mill & Stone", "Blue Ridge Roasters",
    "Olivia's Grove", "Copper Kettle", "Prairie Table", "Sunny Orchard", "Honey Hollow",
    "Salt & Crumb", "Fresh Fields", "Three Rivers", "Café Cordillera", "Rustica",
    "Nonna's Pantry", "Kettle & Crisp", "Wild Thistle", "Brightwater", "Bonne Maison",
    "Tierra Verde", "Oak Barrel", "Pâtisserie Élise", "Morning Glory", "Green Valley",
    "Little Acorn", "Summit Coffee", "Seaside Spice", "Grainhouse", "Pomme d'Or",
];
const B_TOOLS: Words = &[
    "Ironworks", "Forge & Anvil", "Bolt Brothers", "Stanton", "Titan Tools", "Torque Master",
    "Grit & Grain", "Apex Tool Co.", "Hammerstone", "Workhorse", "Steelhead", "Benchmark",
    "True Level", "Keystone", "Rivet", "Kraftwerk", "Werkstatt Köhler", "Blackjack",
    "Durabuilt", "Longhorn Tools", "Precision Pro", "Ridge Line Tools", "Crossbar", "Holdfast",
    "Anchor Point", "Millwright", "Granite Works", "Tool Ranch", "Sharpline",
    "Carpenter's Choice",
];
const B_GARDEN: Words = &[
    "Greenthumb", "Fern & Furrow", "Rosehip", "Bloomfield", "Verdura", "Sprout House",
    "Hedgerow", "Meadowlark", "Rain Barrel Co.", "Trellis & Twine", "Garden Guild",
    "Orchard Lane", "Terra Firma", "Seed Savers Co.", "Evergreen", "Willowbrook",
    "Sunbeam Gardens", "Moss & Stone", "Potting Shed", "Tulipa", "Blatt & Blüte", "Jardín Sol",
    "Mower Works", "Cobble Creek", "Honeybee Gardens", "Prairie Rose", "Wildwood", "Quercus",
    "Dewberry", "Lawnsmith",
];

static DEPARTMENTS: &[Department] = &[
    Department { name: "Electronics", code: "ELE", brands: B_ELECTRONICS, subs: &[
        Sub { name: "Audio", leaves: &[
            leaf!("HPH", "Headphones", Tech, &[
                "Headphones", "Over-Ear Headphones", "On-Ear Headphones",
                "Noise-Cancelling Headphones", "Studio Monitor Headphones", "Gaming Headset",
            ], 1999..=39999, 280, M_TECH, NONE),
            leaf!("EAR", "Earbuds", Tech, &[
                "Earbuds", "True Wireless Earbuds", "Noise-Cancelling Earbuds", "Sport Earbuds",
                "In-Ear Monitors",
            ], 1499..=29999, 60, M_TECH, NONE),
            leaf!("SPK", "Speakers", Tech, &[
                "Bluetooth Speaker", "Bookshelf Speakers", "Soundbar", "Smart Speaker",
                "Party Speaker", "Outdoor Speaker",
            ], 2499..=79999, 1200, M_TECH, NONE),
        ]},
        Sub { name: "Computers", leaves: &[
            leaf!("LAP", "Laptops", Tech, &[
                "Laptop", "Ultrabook", "Notebook", "Gaming Laptop", "2-in-1 Laptop", "Chromebook",
            ], 29999..=299999, 1600, M_TECH, &["13\"", "14\"", "15\"", "16\""]),
            leaf!("MON", "Monitors", Tech, &[
                "Monitor", "4K Monitor", "Curved Monitor", "Gaming Monitor", "Portable Monitor",
            ], 12999..=149999, 5000, NONE, &["24\"", "27\"", "32\"", "34\""], A_MONITOR),
            leaf!("KEY", "Keyboards", Tech, &[
                "Keyboard", "Mechanical Keyboard", "Wireless Keyboard", "Keyboard and Mouse Combo",
                "Gaming Keyboard",
            ], 1999..=24999, 900, M_TECH, NONE),
        ]},
        Sub { name: "Cameras", leaves: &[
            leaf!("CAM", "Digital Cameras", Tech, &[
                "Mirrorless Camera", "Compact Camera", "Action Camera", "Instant Camera",
                "Vlogging Camera",
            ], 9999..=249999, 600, NONE, NONE),
            leaf!("LNS", "Lenses", Tech, &[
                "Prime Lens", "Zoom Lens", "Macro Lens", "Wide-Angle Lens", "Telephoto Lens",
            ], 14999..=199999, 500, NONE, &["24mm", "35mm", "50mm", "85mm", "70-200mm"], A_LENS),
            leaf!("TRP", "Tripods", Tech, &[
                "Tripod", "Travel Tripod", "Monopod", "Tabletop Tripod", "Video Tripod",
            ], 1999..=39999, 1500, &["aluminum", "carbon fiber"], NONE),
        ]},
        Sub { name: "Mobile", leaves: &[
            leaf!("CAS", "Phone Cases", Tech, &[
                "Phone Case", "Clear Case", "Wallet Case", "Rugged Case", "Magnetic Case",
            ], 999..=5999, 50, &["silicone", "leather", "TPU", "recycled plastic"], NONE, A_CASE),
            leaf!("CHG", "Chargers", Tech, &[
                "Wall Charger", "Wireless Charger", "Power Bank", "Car Charger", "Charging Stand",
            ], 999..=9999, 150, M_TECH, &["20W", "30W", "65W", "100W"]),
            leaf!("WCH", "Smartwatches", Tech, &[
                "Smartwatch", "Fitness Tracker", "Sport Watch", "Hybrid Smartwatch",
            ], 4999..=79999, 50, &["aluminum", "stainless steel", "titanium"], S_WATCH),
        ]},
    ]},
    Department { name: "Home", code: "HOM", brands: B_HOME, subs: &[
        Sub { name: "Kitchen", leaves: &[
            leaf!("CKW", "Cookware", Kitchen, &[
                "Skillet", "Frying Pan", "Dutch Oven", "Saucepan", "Stockpot", "Cookware Set",
                "Wok", "Sauté Pan",
            ], 1999..=49999, 2500, M_COOKWARE, &["8\"", "10\"", "12\"", "14\""], A_COOKWARE),
            leaf!("CUT", "Cutlery", Kitchen, &[
                "Chef's Knife", "Santoku Knife", "Paring Knife", "Knife Block Set", "Bread Knife",
                "Steak Knife Set",
            ], 1499..=39999, 400, M_BLADE, &["3.5\"", "6\"", "8\"", "10\""]),
            leaf!("APP", "Small Appliances", Kitchen, &[
                "Blender", "Toaster", "Stand Mixer", "Coffee Maker", "Air Fryer", "Electric Kettle",
                "Food Processor",
            ], 2499..=59999, 3500, M_APPLIANCE, NONE, A_APPLIANCE),
        ]},
        Sub { name: "Furniture", leaves: &[
            leaf!("CHR", "Chairs", Furniture, &[
                "Dining Chair", "Accent Chair", "Office Chair", "Lounge Chair", "Bar Stool",
                "Rocking Chair",
            ], 4999..=79999, 8000, M_FURNITURE, NONE),
            leaf!("TBL", "Tables", Furniture, &[
                "Dining Table", "Coffee Table", "Side Table", "Console Table", "Standing Desk",
                "Writing Desk",
            ], 7999..=149999, 20000, M_FURNITURE, &["36\"", "48\"", "60\"", "72\""]),
            leaf!("BKC", "Bookcases", Furniture, &[
                "Bookcase", "Bookshelf", "Ladder Shelf", "Cube Organizer", "Wall Shelf",
            ], 4999..=59999, 15000, M_WOOD, &["3-Shelf", "4-Shelf", "5-Shelf"]),
        ]},
        Sub { name: "Bedding", leaves: &[
            leaf!("SHT", "Sheets", Textile, &[
                "Sheet Set", "Fitted Sheet", "Flat Sheet", "Pillowcase Pair",
            ], 2499..=24999, 1200, M_BEDDING, S_BED),
            leaf!("PLW", "Pillows", Textile, &[
                "Pillow", "Bed Pillow", "Body Pillow", "Side Sleeper Pillow", "Throw Pillow",
            ], 1499..=14999, 900, M_FILL, &["Standard", "Queen", "King", "Euro"]),
            leaf!("DUV", "Duvets", Textile, &[
                "Duvet Cover", "Comforter", "Quilt", "Weighted Blanket", "Throw Blanket",
            ], 3999..=39999, 2000, M_BEDDING, S_BED),
        ]},
        Sub { name: "Decor", leaves: &[
            leaf!("LMP", "Lamps", Decor, &[
                "Table Lamp", "Floor Lamp", "Desk Lamp", "Pendant Light", "Arc Lamp", "Wall Sconce",
            ], 2999..=49999, 3000, M_LAMP, NONE, A_LAMP),
            leaf!("RUG", "Rugs", Decor, &[
                "Area Rug", "Runner Rug", "Doormat", "Round Rug", "Shag Rug",
            ], 2999..=99999, 6000, M_RUG, &["3' x 5'", "5' x 8'", "8' x 10'", "9' x 12'"], A_RUG),
            leaf!("ART", "Wall Art", Decor, &[
                "Canvas Print", "Framed Print", "Wall Mirror", "Metal Wall Art", "Poster Set",
                "Tapestry",
            ], 1999..=39999, 2000,
                M_ART,
                &["8\" x 10\"", "11\" x 14\"", "16\" x 20\"", "24\" x 36\""]),
        ]},
    ]},
    Department { name: "Sports", code: "SPO", brands: B_SPORTS, subs: &[
        Sub { name: "Outdoor", leaves: &[
            leaf!("TNT", "Tents", Gear, &[
                "Tent", "Backpacking Tent", "Dome Tent", "Cabin Tent", "Pop-Up Tent",
                "Bivy Shelter",
            ], 7999..=79999, 2500, M_OUTDOOR, &["1-Person", "2-Person", "4-Person", "6-Person"]),
            leaf!("SLB", "Sleeping Bags", Gear, &[
                "Sleeping Bag", "Mummy Sleeping Bag", "Sleeping Quilt", "Sleeping Pad",
                "Camp Pillow",
            ], 2999..=49999, 1200,
                &["down", "synthetic insulation", "ripstop nylon"],
                &["20°F", "30°F", "40°F"]),
            leaf!("BPK", "Backpacks", Gear, &[
                "Backpack", "Daypack", "Hiking Backpack", "Travel Pack", "Hydration Backpack",
            ], 3999..=34999, 1100, M_OUTDOOR, &["20 L", "28 L", "35 L", "50 L", "65 L"]),
        ]},
        Sub { name: "Fitness", leaves: &[
            leaf!("DMB", "Dumbbells", Gear, &[
                "Dumbbell Pair", "Adjustable Dumbbells", "Kettlebell", "Hex Dumbbell",
                "Weight Plate",
            ], 1999..=49999, 10000,
                &["cast iron", "rubber-coated steel", "neoprene", "chrome steel"],
                &["5 lb", "10 lb", "15 lb", "20 lb", "25 lb", "35 lb"],
                A_FITNESS),
            leaf!("YGM", "Yoga Mats", Gear, &[
                "Yoga Mat", "Travel Yoga Mat", "Yoga Block Set", "Exercise Mat", "Yoga Strap",
            ], 1499..=12999, 1800,
                &["natural rubber", "TPE", "cork", "PVC-free foam"],
                &["4 mm", "6 mm", "8 mm"],
                A_FITNESS),
            leaf!("RBD", "Resistance Bands", Gear, &[
                "Resistance Band Set", "Loop Bands", "Pull-Up Assist Band", "Mini Bands",
                "Tube Bands",
            ], 999..=4999, 300,
                &["latex", "fabric", "TPE"],
                &["Light", "Medium", "Heavy", "Extra Heavy"],
                A_FITNESS),
        ]},
        Sub { name: "Cycling", leaves: &[
            leaf!("BIK", "Bikes", Gear, &[
                "Road Bike", "Mountain Bike", "Gravel Bike", "Hybrid Bike", "E-Bike", "Kids' Bike",
            ], 29999..=349999, 12000,
                &["aluminum", "carbon", "steel", "chromoly"],
                &["S", "M", "L", "XL"],
                A_BIKE),
            leaf!("HLM", "Helmets", Gear, &[
                "Bike Helmet", "Road Helmet", "Mountain Bike Helmet", "Commuter Helmet",
                "Kids' Helmet",
            ], 3999..=24999, 350, &["polycarbonate", "EPS foam"], &["S", "M", "L"]),
            leaf!("LIT", "Bike Lights", Gear, &[
                "Bike Light Set", "Headlight", "Tail Light", "Rechargeable Bike Light",
            ], 1499..=9999, 150, M_TECH, &["400 Lumen", "800 Lumen", "1200 Lumen"]),
        ]},
        Sub { name: "Running", leaves: &[
            leaf!("RSH", "Running Shoes", Footwear, &[
                "Running Shoes", "Trail Running Shoes", "Racing Flats", "Road Running Shoes",
                "Stability Running Shoes",
            ], 5999..=24999, 600, M_SHOE, S_SHOE),
            leaf!("GPS", "GPS Watches", Tech, &[
                "GPS Running Watch", "Multisport Watch", "Heart Rate Monitor", "Running Watch",
            ], 9999..=69999, 60,
                &["stainless steel", "fiber-reinforced polymer", "titanium"],
                S_WATCH),
            leaf!("HYD", "Hydration", Gear, &[
                "Hydration Vest", "Water Bottle", "Handheld Bottle", "Running Belt",
                "Insulated Bottle",
            ], 999..=14999, 300, M_BOTTLE, &["500 ml", "750 ml", "1 L"]),
        ]},
    ]},
    Department { name: "Beauty", code: "BEA", brands: B_BEAUTY, subs: &[
        Sub { name: "Skin Care", leaves: &[
            leaf!("MOI", "Moisturizers", Beauty, &[
                "Moisturizer", "Face Cream", "Gel Cream", "Night Cream", "Day Cream", "Eye Cream",
            ], 999..=8999, 150, NONE, S_ML),
            leaf!("CLN", "Cleansers", Beauty, &[
                "Cleanser", "Foaming Cleanser", "Cleansing Balm", "Micellar Water",
                "Exfoliating Scrub",
            ], 799..=4999, 200, NONE, S_ML),
            leaf!("SER", "Serums", Beauty, &[
                "Serum", "Face Oil", "Essence", "Ampoule", "Facial Toner",
            ], 1299..=11999, 80, NONE, S_ML),
        ]},
        Sub { name: "Hair Care", leaves: &[
            leaf!("SHP", "Shampoos", Beauty, &[
                "Shampoo", "Dry Shampoo", "Clarifying Shampoo", "Shampoo Bar",
            ], 699..=3999, 400, NONE, S_ML, HAIR),
            leaf!("CND", "Conditioners", Beauty, &[
                "Conditioner", "Leave-In Conditioner", "Hair Mask", "Deep Conditioner",
            ], 699..=4499, 400, NONE, S_ML, HAIR),
            leaf!("STY", "Styling", Beauty, &[
                "Styling Cream", "Hair Oil", "Hair Spray", "Texturizing Spray", "Pomade",
                "Curl Cream",
            ], 799..=3999, 200, NONE, S_ML, HAIR),
        ]},
        Sub { name: "Makeup", leaves: &[
            leaf!("LIP", "Lipsticks", Beauty, &[
                "Lipstick", "Liquid Lipstick", "Lip Gloss", "Lip Balm", "Lip Liner",
            ], 599..=3999, 30, NONE, NONE, MAKEUP),
            leaf!("FND", "Foundations", Beauty, &[
                "Foundation", "Tinted Moisturizer", "Concealer", "BB Cream", "Setting Powder",
            ], 899..=5499, 60, NONE, &["30 ml"], MAKEUP),
            leaf!("MSC", "Mascaras", Beauty, &[
                "Mascara", "Lash Primer", "Brow Gel", "Eyeliner",
            ], 599..=3499, 30, NONE, NONE, MAKEUP),
        ]},
        Sub { name: "Fragrance", leaves: &[
            leaf!("PRF", "Perfumes", Beauty, &[
                "Eau de Parfum", "Perfume", "Parfum", "Perfume Oil",
            ], 2999..=24999, 300, NONE, S_FRAGRANCE, SCENT),
            leaf!("COL", "Colognes", Beauty, &[
                "Eau de Toilette", "Cologne", "Aftershave", "Eau de Cologne",
            ], 2499..=14999, 300, NONE, S_FRAGRANCE, SCENT),
            leaf!("MST", "Body Mists", Beauty, &[
                "Body Mist", "Body Spray", "Hair Mist", "Fragrance Mist",
            ], 999..=3499, 250, NONE, &["100 ml", "236 ml"], SCENT),
        ]},
    ]},
    Department { name: "Books", code: "BOO", brands: B_BOOKS, subs: &[
        Sub { name: "Fiction", leaves: &[
            leaf!("MYS", "Mystery", Book, &[
                "Alibi", "Witness", "Murder", "Stranger", "Confession", "Vanishing", "Detective",
                "Key", "Inheritance",
            ], 499..=2999, 350, NONE, S_TRIM),
            leaf!("SCI", "Science Fiction", Book, &[
                "Star", "Orbit", "Colony", "Signal", "Machine", "Horizon", "Nebula", "Frontier",
                "Protocol",
            ], 499..=2999, 400, NONE, S_TRIM),
            leaf!("ROM", "Romance", Book, &[
                "Summer", "Promise", "Heart", "Letter", "Wedding", "Proposal", "Kiss", "Season",
                "Harbor",
            ], 499..=2499, 350, NONE, S_TRIM),
        ]},
        Sub { name: "Non-Fiction", leaves: &[
            leaf!("BIO", "Biography", Book, &[
                "Life", "Legacy", "Journey", "Voice", "Years", "Memoir", "Portrait", "Road",
            ], 999..=3999, 600, NONE, S_TRIM),
            leaf!("HIS", "History", Book, &[
                "Empire", "Revolution", "Century", "Republic", "Crown", "Frontier", "Silk Road",
                "River",
            ], 999..=4499, 650, NONE, S_TRIM),
            leaf!("SLF", "Self-Help", Book, &[
                "Habits", "Focus", "Calm", "Courage", "Mindset", "Attention", "Balance", "Joy",
            ], 999..=2999, 350, NONE, S_TRIM),
        ]},
        Sub { name: "Children", leaves: &[
            leaf!("PIC", "Picture Books", Book, &[
                "Bear", "Moon", "Dragon", "Garden", "Bunny", "Train", "Owl", "Puddle",
            ], 599..=1999, 400, NONE, &["8 x 10 in", "10 x 10 in"]),
            leaf!("ERD", "Early Readers", Book, &[
                "Puppy", "Rocket", "Treehouse", "Pirate", "Robot", "Kitten", "Dinosaur",
            ], 399..=999, 150, NONE, &["6 x 9 in"]),
            leaf!("YAD", "Young Adult", Book, &[
                "Rebel", "Crown", "Academy", "Storm", "Shadow", "Curse", "Summer", "Promise",
            ], 899..=2499, 450, NONE, S_TRIM),
        ]},
        Sub { name: "Reference", leaves: &[
            leaf!("CKB", "Cookbooks", Reference, &[
                "Cookbook", "Baking Book", "Grilling Guide", "Vegetarian Cookbook", "Bread Book",
                "Book of Soups",
            ], 1499..=4999, 1000, NONE, &["8 x 10 in", "8.5 x 11 in"]),
            leaf!("TRV", "Travel Guides", Reference, &[
                "Guide to Italy", "Guide to Japan", "Guide to Patagonia", "Guide to Scotland",
                "Guide to Portugal", "Guide to Iceland", "Road Trip Atlas", "Guide to Québec",
            ], 999..=3499, 500, NONE, &["5 x 8 in", "6 x 9 in"]),
            leaf!("DIC", "Dictionaries", Reference, &[
                "English Dictionary", "Thesaurus", "World Atlas", "Field Guide to Birds",
                "Spanish-English Dictionary", "Almanac", "French-English Dictionary",
            ], 1299..=6999, 1200, NONE, &["6 x 9 in", "7 x 10 in"]),
        ]},
    ]},
    Department { name: "Clothing", code: "CLO", brands: B_CLOTHING, subs: &[
        Sub { name: "Men", leaves: &[
            leaf!("SHR", "Shirts", Apparel, &[
                "Oxford Shirt", "Flannel Shirt", "Polo Shirt", "T-Shirt", "Henley", "Dress Shirt",
            ], 1499..=8999, 250, M_APPAREL, S_APPAREL),
            leaf!("JKT", "Jackets", Apparel, &[
                "Rain Jacket", "Puffer Jacket", "Denim Jacket", "Bomber Jacket", "Fleece Jacket",
                "Chore Coat",
            ], 4999..=29999, 900,
                &["nylon", "recycled polyester", "denim", "wool", "waxed cotton", "fleece"],
                S_APPAREL),
            leaf!("JNS", "Jeans", Apparel, &[
                "Jeans", "Straight-Leg Jeans", "Slim Jeans", "Chinos", "Carpenter Pants",
            ], 2999..=12999, 700,
                &["denim", "stretch denim", "cotton twill", "selvedge denim"],
                &["28W", "30W", "32W", "34W", "36W", "38W"]),
        ]},
        Sub { name: "Women", leaves: &[
            leaf!("DRS", "Dresses", Apparel, &[
                "Wrap Dress", "Midi Dress", "Maxi Dress", "Shirt Dress", "Slip Dress",
                "Sweater Dress",
            ], 2999..=14999, 400,
                &["cotton", "linen", "silk", "viscose", "jersey", "satin"],
                S_APPAREL),
            leaf!("SWE", "Sweaters", Apparel, &[
                "Cardigan", "Crewneck Sweater", "Turtleneck", "Cable-Knit Sweater", "Pullover",
            ], 3999..=19999, 500,
                &["merino wool", "cashmere", "cotton", "alpaca blend", "wool blend"],
                S_APPAREL),
            leaf!("LEG", "Leggings", Apparel, &[
                "Leggings", "High-Rise Leggings", "Yoga Pants", "Bike Shorts", "Joggers",
            ], 1999..=9999, 250,
                &["nylon-spandex", "recycled polyester", "cotton-spandex", "performance knit"],
                S_APPAREL),
        ]},
        Sub { name: "Shoes", leaves: &[
            leaf!("SNK", "Sneakers", Footwear, &[
                "Sneakers", "Court Sneakers", "Canvas Sneakers", "Slip-On Sneakers", "Skate Shoes",
            ], 3999..=17999, 800, M_SHOE, S_SHOE),
            leaf!("BOT", "Boots", Footwear, &[
                "Chelsea Boots", "Hiking Boots", "Rain Boots", "Work Boots", "Ankle Boots",
                "Snow Boots",
            ], 5999..=29999, 1300, &["leather", "suede", "rubber", "waterproof nylon"], S_SHOE),
            leaf!("SND", "Sandals", Footwear, &[
                "Sandals", "Slides", "Flip-Flops", "Sport Sandals", "Espadrilles",
            ], 1499..=12999, 400, &["leather", "rubber", "cork", "recycled EVA"], S_SHOE),
        ]},
        Sub { name: "Accessories", leaves: &[
            leaf!("HAT", "Hats", Apparel, &[
                "Baseball Cap", "Beanie", "Bucket Hat", "Sun Hat", "Fedora",
            ], 1499..=6999, 120,
                &["cotton twill", "wool", "straw", "recycled polyester", "merino wool"],
                &["S/M", "L/XL", "One Size"]),
            leaf!("SCA", "Scarves", Apparel, &[
                "Scarf", "Blanket Scarf", "Silk Scarf", "Infinity Scarf", "Bandana",
            ], 1499..=9999, 200, &["wool", "cashmere", "silk", "cotton", "modal"], NONE),
            leaf!("BLT", "Belts", Apparel, &[
                "Leather Belt", "Reversible Belt", "Braided Belt", "Dress Belt", "Web Belt",
            ], 1999..=7999, 200,
                &["full-grain leather", "vegan leather", "canvas", "suede"],
                &["30", "32", "34", "36", "38", "40"]),
        ]},
    ]},
    Department { name: "Toys", code: "TOY", brands: B_TOYS, subs: &[
        Sub { name: "Building", leaves: &[
            leaf!("BLD", "Building Sets", Toy, &[
                "Building Set", "Brick Set", "Construction Kit", "Castle Set", "Space Station Set",
            ], 1499..=14999, 1000, &["plastic", "recycled plastic", "wood"], S_PIECES),
            leaf!("MAG", "Magnetic Tiles", Toy, &[
                "Magnetic Tiles", "Magnetic Building Blocks", "Magnetic Tile Set",
            ], 2499..=11999, 1500, &["plastic", "wood"], &["32-Piece", "64-Piece", "100-Piece"]),
            leaf!("MRB", "Marble Runs", Toy, &[
                "Marble Run", "Marble Maze", "Marble Tower", "Ball Track Set",
            ], 1999..=8999, 1500, &["wood", "plastic"], S_PIECES),
        ]},
        Sub { name: "Games", leaves: &[
            leaf!("BRD", "Board Games", Toy, &[
                "Board Game", "Strategy Game", "Cooperative Game", "Trivia Game", "Word Game",
            ], 1499..=6999, 1200, NONE, NONE),
            leaf!("PUZ", "Puzzles", Toy, &[
                "Jigsaw Puzzle", "3D Puzzle", "Floor Puzzle", "Puzzle Box",
            ], 999..=4999, 700,
                &["cardboard", "wood"],
                &["300-Piece", "500-Piece", "1000-Piece", "2000-Piece"]),
            leaf!("CRD", "Card Games", Toy, &[
                "Card Game", "Party Game", "Deck-Building Game", "Trick-Taking Game",
            ], 799..=2999, 250, NONE, NONE),
        ]},
        Sub { name: "Outdoor Play", leaves: &[
            leaf!("KIT", "Kites", Toy, &[
                "Kite", "Stunt Kite", "Delta Kite", "Box Kite", "Kite Set",
            ], 999..=5999, 300, &["ripstop nylon", "polyester"], NONE),
            leaf!("WTR", "Water Toys", Toy, &[
                "Water Blaster", "Sprinkler Pad", "Pool Float", "Water Balloon Set", "Splash Pad",
            ], 799..=4999, 600, &["vinyl", "foam", "plastic"], NONE),
            leaf!("RDE", "Ride-Ons", Toy, &[
                "Balance Bike", "Scooter", "Ride-On Car", "Tricycle", "Wagon",
            ], 3999..=24999, 6000, &["wood", "steel", "plastic", "aluminum"], NONE),
        ]},
        Sub { name: "Figures", leaves: &[
            leaf!("ACT", "Action Figures", Toy, &[
                "Action Figure", "Figure Set", "Robot Figure", "Dinosaur Figure", "Hero Figure",
            ], 999..=4999, 250, &["plastic", "vinyl"], &["4\"", "6\"", "12\""]),
            leaf!("DOL", "Dolls", Toy, &[
                "Doll", "Baby Doll", "Dollhouse", "Fashion Doll", "Rag Doll",
            ], 1499..=12999, 700, &["vinyl", "cloth", "wood"], NONE),
            leaf!("PLS", "Plush Toys", Toy, &[
                "Plush Bear", "Stuffed Animal", "Plush Bunny", "Plush Dinosaur", "Weighted Plush",
            ], 999..=4999, 300,
                &["plush", "recycled polyester", "organic cotton"],
                &["8\"", "12\"", "18\"", "24\""]),
        ]},
    ]},
    Department { name: "Grocery", code: "GRO", brands: B_GROCERY, subs: &[
        Sub { name: "Beverages", leaves: &[
            leaf!("COF", "Coffee", Food, &[
                "Dark Roast Coffee Beans", "Medium Roast Ground Coffee", "Espresso Beans",
                "Cold Brew Coffee", "Decaf Coffee", "Coffee Pods",
            ], 799..=2999, 400, NONE, &["10 oz", "12 oz", "16 oz", "2 lb"]),
            leaf!("TEA", "Tea", Food, &[
                "Green Tea", "Earl Grey Tea", "Chamomile Tea", "Chai Tea", "Matcha Powder",
                "Oolong Tea", "Rooibos Tea",
            ], 499..=2499, 150, NONE, &["20 Bags", "40 Bags", "100 Bags", "4 oz Tin"]),
            leaf!("SPW", "Sparkling Water", Food, &[
                "Sparkling Water", "Lime Sparkling Water", "Grapefruit Sparkling Water",
                "Mineral Water", "Seltzer",
            ], 399..=1499, 3000, NONE, &["8-Pack", "12-Pack", "24-Pack"]),
        ]},
        Sub { name: "Snacks", leaves: &[
            leaf!("CHP", "Chips", Food, &[
                "Potato Chips", "Kettle Chips", "Tortilla Chips", "Veggie Chips", "Pita Chips",
            ], 299..=799, 250, NONE, S_BAG),
            leaf!("COK", "Cookies", Food, &[
                "Chocolate Chip Cookies", "Shortbread Cookies", "Oatmeal Cookies", "Butter Cookies",
                "Sandwich Cookies",
            ], 299..=899, 300, NONE, S_BAG),
            leaf!("NUT", "Nuts", Food, &[
                "Roasted Almonds", "Cashews", "Mixed Nuts", "Pistachios", "Trail Mix", "Walnuts",
            ], 499..=1999, 500, NONE, &["8 oz", "16 oz", "24 oz", "3 lb"]),
        ]},
        Sub { name: "Pantry", leaves: &[
            leaf!("PST", "Pasta", Food, &[
                "Spaghetti", "Penne", "Rigatoni", "Fusilli", "Lasagna Noodles", "Orecchiette",
            ], 199..=899, 500, NONE, &["1 lb", "2 lb", "6-Pack"]),
            leaf!("OIL", "Olive Oil", Food, &[
                "Extra Virgin Olive Oil", "Olive Oil", "Infused Olive Oil", "Avocado Oil",
                "Balsamic Vinegar",
            ], 799..=3999, 1000, NONE, &["250 ml", "500 ml", "1 L", "3 L"]),
            leaf!("SPC", "Spices", Food, &[
                "Smoked Paprika", "Ground Cumin", "Spice Blend", "Sea Salt", "Black Peppercorns",
                "Cinnamon", "Piment d'Espelette",
            ], 299..=1499, 100, NONE, &["2 oz", "4 oz", "8 oz"]),
        ]},
        Sub { name: "Breakfast", leaves: &[
            leaf!("CER", "Cereal", Food, &[
                "Cereal", "Bran Flakes", "Honey Oat Clusters", "Corn Flakes", "Muesli",
            ], 299..=899, 500, NONE, S_CEREAL),
            leaf!("GRN", "Granola", Food, &[
                "Granola", "Maple Pecan Granola", "Granola Bars", "Protein Granola",
                "Grain-Free Granola",
            ], 399..=1299, 450, NONE, S_CEREAL),
            leaf!("JAM", "Jams", Food, &[
                "Strawberry Jam", "Raspberry Preserves", "Orange Marmalade", "Apricot Jam",
                "Fig Spread", "Crème de Marrons",
            ], 399..=1299, 400, NONE, &["10 oz", "13 oz", "18 oz"]),
        ]},
    ]},
    Department { name: "Tools", code: "TLS", brands: B_TOOLS, subs: &[
        Sub { name: "Power Tools", leaves: &[
            leaf!("DRL", "Drills", Tool, &[
                "Drill Driver", "Hammer Drill", "Impact Driver", "Drill Combo Kit", "Rotary Hammer",
            ], 4999..=34999, 1800, NONE, NONE),
            leaf!("SAW", "Saws", Tool, &[
                "Circular Saw", "Jigsaw", "Miter Saw", "Reciprocating Saw", "Table Saw",
            ], 5999..=59999, 4000, NONE, NONE),
            leaf!("SDR", "Sanders", Tool, &[
                "Orbital Sander", "Detail Sander", "Belt Sander", "Sheet Sander",
            ], 3999..=19999, 1500, NONE, NONE),
        ]},
        Sub { name: "Hand Tools", leaves: &[
            leaf!("HMR", "Hammers", Tool, &[
                "Claw Hammer", "Framing Hammer", "Rubber Mallet", "Sledgehammer",
                "Ball-Peen Hammer",
            ], 999..=5999, 700,
                &["steel", "fiberglass", "hickory", "titanium"],
                &["16 oz", "20 oz", "22 oz"],
                A_HAND_TOOL),
            leaf!("SCD", "Screwdrivers", Tool, &[
                "Screwdriver Set", "Precision Screwdriver Set", "Multi-Bit Screwdriver",
                "Ratcheting Screwdriver",
            ], 999..=4999, 500, &["chrome vanadium steel", "S2 steel"], NONE, A_HAND_TOOL),
            leaf!("WRN", "Wrenches", Tool, &[
                "Adjustable Wrench", "Combination Wrench Set", "Socket Set", "Pipe Wrench",
                "Torque Wrench",
            ], 1299..=14999, 1500,
                &["chrome vanadium steel", "forged steel"],
                &["8\"", "10\"", "12\""],
                A_HAND_TOOL),
        ]},
        Sub { name: "Hardware", leaves: &[
            leaf!("FAS", "Fasteners", Tool, &[
                "Wood Screws", "Drywall Anchors", "Machine Bolts", "Assorted Screw Kit",
                "Wall Anchors",
            ], 499..=2999, 600,
                &["zinc-plated steel", "stainless steel", "brass"],
                &["100-Pack", "250-Pack", "500-Pack"],
                A_HARDWARE),
            leaf!("HNG", "Hinges", Tool, &[
                "Door Hinges", "Cabinet Hinges", "Gate Hinges", "Soft-Close Hinges",
            ], 599..=3999, 500,
                &["stainless steel", "brass", "matte black steel"],
                &["2-Pack", "4-Pack", "10-Pack"],
                A_HARDWARE),
            leaf!("LCK", "Locks", Tool, &[
                "Padlock", "Smart Lock", "Deadbolt", "Keypad Lock", "Cable Lock",
            ], 999..=24999, 800, &["hardened steel", "brass", "zinc alloy"], NONE, A_HARDWARE),
        ]},
        Sub { name: "Measuring", leaves: &[
            leaf!("TAP", "Tape Measures", Tool, &[
                "Tape Measure", "Pocket Tape Measure", "Long Tape", "Fiberglass Tape",
            ], 699..=3999, 400, NONE, &["16 ft", "25 ft", "35 ft"], A_MEASURE),
            leaf!("LVL", "Levels", Tool, &[
                "Torpedo Level", "Box Level", "Laser Level", "Post Level",
            ], 999..=19999, 600, &["aluminum", "magnesium"], &["9\"", "24\"", "48\""], A_MEASURE),
            leaf!("LSR", "Laser Measures", Tool, &[
                "Laser Measure", "Laser Distance Meter", "Digital Measuring Tool",
            ], 2999..=14999, 200, NONE, &["65 ft", "100 ft", "165 ft"], A_MEASURE),
        ]},
    ]},
    Department { name: "Garden", code: "GAR", brands: B_GARDEN, subs: &[
        Sub { name: "Plants", leaves: &[
            leaf!("SED", "Seeds", Plant, &[
                "Tomato Seeds", "Wildflower Seeds", "Herb Seed Kit", "Vegetable Seed Collection",
                "Sunflower Seeds",
            ], 299..=2499, 50, NONE, &["Packet", "5-Pack", "Variety Pack"], A_SEED),
            leaf!("BLB", "Bulbs", Plant, &[
                "Tulip Bulbs", "Daffodil Bulbs", "Dahlia Tubers", "Allium Bulbs", "Garlic Bulbs",
            ], 799..=3999, 500, NONE, &["10-Pack", "25-Pack", "50-Pack"], A_SEED),
            leaf!("HPL", "Houseplants", Plant, &[
                "Monstera", "Snake Plant", "Fiddle Leaf Fig", "Pothos", "ZZ Plant", "Peace Lily",
            ], 1499..=12999, 3000, NONE, &["4\" Pot", "6\" Pot", "10\" Pot"], A_HOUSEPLANT),
        ]},
        Sub { name: "Watering", leaves: &[
            leaf!("HOS", "Hoses", Garden, &[
                "Garden Hose", "Expandable Hose", "Soaker Hose", "Hose Reel",
            ], 1999..=12999, 3000,
                &["rubber", "vinyl", "polyurethane"],
                &["25 ft", "50 ft", "75 ft", "100 ft"],
                A_HOSE),
            leaf!("SPR", "Sprinklers", Garden, &[
                "Oscillating Sprinkler", "Impact Sprinkler", "Sprinkler Timer",
                "Drip Irrigation Kit",
            ], 999..=7999, 800, &["metal", "plastic", "brass"], NONE, A_HOSE),
            leaf!("WCN", "Watering Cans", Garden, &[
                "Watering Can", "Indoor Watering Can", "Plant Mister", "Rain Barrel",
            ], 999..=14999, 700,
                &["galvanized steel", "plastic", "copper", "recycled plastic"],
                &["1 gal", "2 gal"]),
        ]},
        Sub { name: "Patio", leaves: &[
            leaf!("PCH", "Patio Chairs", Furniture, &[
                "Adirondack Chair", "Patio Chair", "Outdoor Lounge Chair", "Porch Rocker",
                "Hanging Chair",
            ], 7999..=49999, 9000,
                &["teak", "acacia", "HDPE lumber", "powder-coated aluminum", "resin wicker"],
                NONE),
            leaf!("GRL", "Grills", Kitchen, &[
                "Gas Grill", "Charcoal Grill", "Pellet Grill", "Kamado Grill", "Portable Grill",
            ], 9999..=149999, 30000,
                &["stainless steel", "cast iron", "porcelain-coated steel"],
                &["2-Burner", "3-Burner", "4-Burner"],
                A_GRILL),
            leaf!("UMB", "Umbrellas", Furniture, &[
                "Patio Umbrella", "Cantilever Umbrella", "Market Umbrella", "Beach Umbrella",
            ], 4999..=39999, 8000,
                &["solution-dyed acrylic", "polyester", "olefin"],
                &["7.5 ft", "9 ft", "11 ft"]),
        ]},
        Sub { name: "Lawn Care", leaves: &[
            leaf!("MOW", "Lawn Mowers", Tool, &[
                "Lawn Mower", "Self-Propelled Mower", "Reel Mower", "Robotic Mower", "Riding Mower",
            ], 14999..=299999, 30000, NONE, &["16\"", "21\"", "30\""], A_LAWN),
            leaf!("TRM", "Trimmers", Tool, &[
                "String Trimmer", "Hedge Trimmer", "Edger", "Pole Saw",
            ], 4999..=24999, 3000, NONE, NONE, A_LAWN),
            leaf!("BLW", "Leaf Blowers", Tool, &[
                "Leaf Blower", "Backpack Blower", "Blower Vacuum", "Handheld Blower",
            ], 4999..=34999, 3500, NONE, NONE, A_LAWN),
        ]},
    ]},
];

// Adjectives for leaves whose kind's adjectives would read wrong ("Kink-Free Rain
// Barrel", "Waterproof Dumbbell Pair").
const HAIR: Words = &[
    "Volumizing", "Repairing", "Moisturizing", "Curl-Defining", "Clarifying", "Color-Safe",
    "Argan Oil", "Tea Tree", "Sulfate-Free", "Smoothing",
];
const MAKEUP: Words = &[
    "Matte", "Satin", "Long-Wear", "Waterproof", "Hydrating", "Sheer", "Volumizing",
    "Lengthening", "Velvet", "Glossy", "Smudge-Proof", "Natural",
];
const SCENT: Words = &[
    "Amber", "Citrus", "Vanilla", "Sandalwood", "Fresh", "Oud", "Floral", "Midnight", "Velvet",
    "Sea Salt", "Rose", "Cedar", "Fleur d'Oranger",
];
const A_LENS: Words = &[
    "Fast", "Weather-Sealed", "Stabilized", "Compact", "Professional", "Full-Frame",
    "Ultra-Sharp", "Lightweight", "Cine",
];
const A_MONITOR: Words = &[
    "Ultra-Wide", "High-Refresh", "Borderless", "Ergonomic", "Color-Accurate", "Professional",
    "Compact", "HDR", "USB-C",
];
const A_CASE: Words = &[
    "Slim", "Rugged", "Shockproof", "Clear", "Minimalist", "Eco-Friendly", "Grip",
    "Leather-Look", "Drop-Tested",
];
const A_FITNESS: Words = &[
    "Adjustable", "Non-Slip", "Heavy-Duty", "Compact", "Home Gym", "Pro-Grade", "Eco-Friendly",
    "Extra-Thick", "Premium", "Training",
];
const A_BIKE: Words = &[
    "Lightweight", "Trail", "All-Road", "Urban", "Performance", "Endurance", "Commuter", "Aero",
    "Hardtail", "Folding",
];
const A_LAMP: Words = &[
    "Dimmable", "Modern", "Vintage", "Sculptural", "Minimalist", "Industrial", "Arched",
    "Adjustable", "Mid-Century", "Cordless",
];
const A_RUG: Words = &[
    "Hand-Woven", "Hand-Tufted", "Washable", "Vintage", "Boho", "Geometric", "Moroccan",
    "Low-Pile", "Coastal", "Distressed",
];
const A_HAND_TOOL: Words = &[
    "Heavy-Duty", "Ergonomic", "Magnetic", "Precision", "Professional", "Forged",
    "Anti-Vibration", "Insulated", "Rust-Resistant", "Compact",
];
const A_HARDWARE: Words = &[
    "Heavy-Duty", "Rust-Resistant", "Self-Closing", "Commercial-Grade", "Weatherproof",
    "Tamper-Proof", "Assorted", "Contractor", "Outdoor",
];
const A_MEASURE: Words = &[
    "Digital", "Self-Locking", "Magnetic", "Heavy-Duty", "Compact", "Professional", "Rugged",
    "Easy-Read", "Precision",
];
const A_LAWN: Words = &[
    "Cordless", "Brushless", "Gas-Powered", "Electric", "Battery-Powered", "Lightweight",
    "Quiet", "Heavy-Duty", "Variable-Speed", "Compact",
];
const A_SEED: Words = &[
    "Heirloom", "Organic", "Non-GMO", "Perennial", "Dwarf", "Fast-Growing",
    "Pollinator-Friendly", "Early-Blooming", "Giant", "Mixed",
];
const A_HOUSEPLANT: Words = &[
    "Low-Light", "Air-Purifying", "Variegated", "Pet-Safe", "Tabletop", "Low-Maintenance",
    "Easy-Care", "Large", "Live",
];
const A_HOSE: Words = &[
    "Kink-Free", "Expandable", "Adjustable", "Heavy-Duty", "Lead-Free", "Leak-Proof",
    "Lightweight", "Commercial-Grade", "Drinking-Water-Safe",
];
const A_COOKWARE: Words = &[
    "Pre-Seasoned", "Nonstick", "Tri-Ply", "Induction-Ready", "Professional", "Classic", "Heirloom",
    "Everyday", "Oven-Safe",
];
const A_APPLIANCE: Words = &[
    "Compact", "Digital", "Programmable", "High-Speed", "Retro", "Smart", "Quiet", "Professional",
    "Cordless", "Large-Capacity",
];
const A_GRILL: Words = &[
    "Portable", "Heavy-Duty", "Smart", "Compact", "Professional", "Classic", "Wi-Fi", "Tabletop",
];
