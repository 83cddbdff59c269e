//! Plain domain types shared by every capability: identifiers, money, time, products,
//! categories and domain events.
//!
//! Nothing here touches storage or locks. Validation of outside input lives next to the
//! type it validates, so that every capability rejects the same things with the same
//! field names.

mod activity;
mod event;
mod ids;
mod money;
mod order;
mod product;
mod stock;
mod text;
mod time;
mod validate;

pub use activity::{
    CLIENT_EVENT_FUTURE_MS_MAX, CLIENT_EVENT_KEY_BYTES_MAX, CLIENT_EVENT_PAST_MS_MAX,
    CLIENT_EVENT_PROPERTIES_MAX, CLIENT_EVENT_TYPE_BYTES_MAX, CLIENT_EVENT_VALUE_CHARS_MAX,
    CartActivity, CheckoutStarted, ClientEvent, HoldExpired, ProductViewed, SESSION_ID_BYTES_MAX,
    SearchPerformed, Visitor, validate_client_event, validate_client_time,
};
pub use event::{Event, EventRecord};
pub use ids::{
    AddressId, CartId, CategoryId, NotificationId, OrderId, PaymentId, ProductId, ReviewId, UserId,
    VoucherId,
};
pub use money::{Currency, Money};
pub use order::{
    Actor, Order, OrderChanged, OrderEvent, OrderEventData, OrderEventKind, OrderLine, OrderPlaced,
    OrderStatus, Payment, PaymentFailed, PaymentMethod, PaymentStatus, PaymentTransaction,
    PlacedLine, ShippingAddress, Totals, TransactionKind, TransactionOutcome,
};
pub use product::{
    ATTRIBUTE_KEY_CHARS_MAX, ATTRIBUTE_VALUE_CHARS_MAX, ATTRIBUTES_MAX, BRAND_CHARS_MAX,
    CATEGORY_DEPTH_MAX, CATEGORY_NAME_CHARS_MAX, Category, CategoryRef, DESCRIPTION_CHARS_MAX,
    IMAGE_URL_CHARS_MAX, IMAGES_MAX, NAME_CHARS_MAX, NewProduct, PRICE_AMOUNT_MAX, Product,
    ProductPatch, ProductStatus, SKU_CHARS_MAX, STOCK_MAX, split_category_path,
    validate_category_name as validate_category,
};
pub use stock::{LowStock, StockAdjustment};
pub use text::{fold, hex_decode, hex_encode};
pub use time::Timestamp;
pub(crate) use validate::line as validate_line;
pub use validate::{ValidationError, validate_sku};
