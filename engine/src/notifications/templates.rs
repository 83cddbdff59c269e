//! What a notification says: the topics (one per kind of event that notifies), the
//! channels, the variables a template may use, and the templates themselves.
//!
//! A template is plain text with `{{variable}}` placeholders. It is checked when it is
//! configured (size, syntax, and that every variable exists for its topic), so
//! rendering never fails: it substitutes values and nothing else. A single brace is
//! literal text; `{{` must open a known variable.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::ValidationError;

/// Longest subject of a template, in characters.
pub const TEMPLATE_SUBJECT_CHARS_MAX: usize = 200;
/// Longest body of a template, in characters.
pub const TEMPLATE_BODY_CHARS_MAX: usize = 4_000;
/// Most placeholders in one subject or body: with every value bounded, this bounds a
/// rendered message.
pub const TEMPLATE_PLACEHOLDERS_MAX: usize = 32;

/// How a message reaches its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Email, to the account's address.
    Email,
    /// A text message.
    Sms,
    /// A push notification to the shopper's devices.
    Push,
}

impl Channel {
    /// Every channel, in the order of [`Channel::index`].
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];

    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    /// Its place in a message id (see [`crate::notifications`]): fixed forever.
    pub(crate) fn index(self) -> u64 {
        match self {
            Channel::Email => 0,
            Channel::Sms => 1,
            Channel::Push => 2,
        }
    }
}

/// Whether a message is part of a transaction the shopper made (their account, orders
/// and payments) or marketing. Transactional messages go out first, and marketing
/// needs the shopper's opt-in as well as the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Orders, payments, the account: delivered before anything else.
    Transactional,
    /// Everything the shopper did not ask for.
    Marketing,
}

impl Priority {
    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Transactional => "transactional",
            Priority::Marketing => "marketing",
        }
    }

    /// Lower goes first.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Priority::Transactional => 0,
            Priority::Marketing => 1,
        }
    }
}

/// Which event a message tells of.
///
/// The stored encoding names variants by position: variants are only ever appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// An account was created.
    Welcome,
    /// A checkout placed an order.
    OrderPlaced,
    /// A pending order was paid.
    OrderPaid,
    /// An order was shipped.
    OrderShipped,
    /// An order was delivered.
    OrderDelivered,
    /// An order was cancelled.
    OrderCancelled,
    /// An order was refunded in full.
    OrderRefunded,
    /// Part of an order was refunded.
    OrderPartiallyRefunded,
    /// A checkout's payment failed.
    PaymentFailed,
    /// The shopper reviewed a product: a thank-you that invites them back (marketing).
    ReviewThanks,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 10] = [
        Topic::Welcome,
        Topic::OrderPlaced,
        Topic::OrderPaid,
        Topic::OrderShipped,
        Topic::OrderDelivered,
        Topic::OrderCancelled,
        Topic::OrderRefunded,
        Topic::OrderPartiallyRefunded,
        Topic::PaymentFailed,
        Topic::ReviewThanks,
    ];

    /// The API word.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Welcome => "welcome",
            Topic::OrderPlaced => "order_placed",
            Topic::OrderPaid => "order_paid",
            Topic::OrderShipped => "order_shipped",
            Topic::OrderDelivered => "order_delivered",
            Topic::OrderCancelled => "order_cancelled",
            Topic::OrderRefunded => "order_refunded",
            Topic::OrderPartiallyRefunded => "order_partially_refunded",
            Topic::PaymentFailed => "payment_failed",
            Topic::ReviewThanks => "review_thanks",
        }
    }

    /// Transactional or marketing.
    pub fn priority(self) -> Priority {
        match self {
            Topic::ReviewThanks => Priority::Marketing,
            _ => Priority::Transactional,
        }
    }

    /// The variables a template of this topic may use.
    pub fn variables(self) -> &'static [Var] {
        use Var::*;
        match self {
            Topic::Welcome => &[Name],
            Topic::OrderPlaced => &[Name, OrderId, Total, Items, Status],
            Topic::OrderPaid | Topic::OrderRefunded | Topic::OrderPartiallyRefunded => {
                &[Name, OrderId, Status, Amount]
            }
            Topic::OrderShipped | Topic::OrderDelivered | Topic::OrderCancelled => {
                &[Name, OrderId, Status]
            }
            Topic::PaymentFailed => &[Name, CartId, Amount, Reason],
            Topic::ReviewThanks => &[Name, ProductId, Rating],
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A template variable.
///
/// `name` is the recipient's display name, looked up when the message is rendered (it
/// is not in the event log); every other value comes from the event itself. Money is
/// formatted from minor units with its currency (`19.99 USD`, `1999 JPY`).
///
/// The stored encoding names variants by position: variants are only ever appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Var {
    /// `{{name}}`: the recipient's display name.
    Name,
    /// `{{order_id}}`: `ord_…`.
    OrderId,
    /// `{{total}}`: what an order costs.
    Total,
    /// `{{items}}`: units in an order.
    Items,
    /// `{{status}}`: an order's status after the event.
    Status,
    /// `{{amount}}`: money moved (paid, refunded, or a failed payment's amount).
    Amount,
    /// `{{reason}}`: why a payment failed (`card_declined`, `insufficient_funds`, …).
    Reason,
    /// `{{cart_id}}`: `cart_…`.
    CartId,
    /// `{{product_id}}`: `prod_…`.
    ProductId,
    /// `{{rating}}`: 1 to 5.
    Rating,
}

impl Var {
    /// Every variable.
    pub const ALL: [Var; 10] = [
        Var::Name,
        Var::OrderId,
        Var::Total,
        Var::Items,
        Var::Status,
        Var::Amount,
        Var::Reason,
        Var::CartId,
        Var::ProductId,
        Var::Rating,
    ];

    /// The name used between the braces.
    pub fn as_str(self) -> &'static str {
        match self {
            Var::Name => "name",
            Var::OrderId => "order_id",
            Var::Total => "total",
            Var::Items => "items",
            Var::Status => "status",
            Var::Amount => "amount",
            Var::Reason => "reason",
            Var::CartId => "cart_id",
            Var::ProductId => "product_id",
            Var::Rating => "rating",
        }
    }

    fn parse(name: &str) -> Option<Var> {
        Var::ALL.into_iter().find(|var| var.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Text(String),
    Var(Var),
}

/// Parses `text` into literal runs and placeholders; the error is a sentence.
fn parse(text: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = text;
    let mut placeholders = 0;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            segments.push(Segment::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a `{{` is never closed with `}}`".to_string())?;
        let name = &after[..close];
        let var = Var::parse(name).ok_or_else(|| format!("`{{{{{name}}}}}` is not a variable"))?;
        placeholders += 1;
        if placeholders > TEMPLATE_PLACEHOLDERS_MAX {
            return Err(format!(
                "more than {TEMPLATE_PLACEHOLDERS_MAX} placeholders"
            ));
        }
        segments.push(Segment::Var(var));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.to_string()));
    }
    Ok(segments)
}

fn render_segments(segments: &[Segment], value: &dyn Fn(Var) -> String) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Text(text) => out.push_str(text),
            Segment::Var(var) => out.push_str(&value(*var)),
        }
    }
    out
}

/// One template: a subject (empty for channels without one, such as SMS) and a body.
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    subject: String,
    body: String,
    subject_parts: Vec<Segment>,
    body_parts: Vec<Segment>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("subject", &self.subject)
            .field("body", &self.body)
            .finish()
    }
}

impl Template {
    /// Checks the size and the placeholder syntax of `subject` and `body`. Whether the
    /// variables fit a topic is checked by [`Templates::set`].
    pub fn new(subject: &str, body: &str) -> Result<Template, ValidationError> {
        let subject_parts = check_text("subject", subject, TEMPLATE_SUBJECT_CHARS_MAX)?;
        let body_parts = check_text("body", body, TEMPLATE_BODY_CHARS_MAX)?;
        if body.trim().is_empty() {
            return Err(ValidationError::new(
                "body",
                "required",
                "a template's body must not be empty",
            ));
        }
        Ok(Template {
            subject: subject.to_string(),
            body: body.to_string(),
            subject_parts,
            body_parts,
        })
    }

    /// The subject as written.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The body as written.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The subject and body with each placeholder replaced by `value(var)`.
    pub fn render(&self, value: &dyn Fn(Var) -> String) -> (String, String) {
        (
            render_segments(&self.subject_parts, value),
            render_segments(&self.body_parts, value),
        )
    }

    fn variables(&self) -> impl Iterator<Item = Var> + '_ {
        self.subject_parts
            .iter()
            .chain(&self.body_parts)
            .filter_map(|segment| match segment {
                Segment::Var(var) => Some(*var),
                Segment::Text(_) => None,
            })
    }
}

fn check_text(field: &str, text: &str, chars_max: usize) -> Result<Vec<Segment>, ValidationError> {
    if text.chars().count() > chars_max {
        return Err(ValidationError::new(
            field,
            "too_long",
            format!("`{field}` is longer than {chars_max} characters"),
        ));
    }
    parse(text).map_err(|message| ValidationError::new(field, "invalid_template", message))
}

/// The templates of every topic and channel. A topic without a template for a channel
/// sends nothing on that channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    by_key: BTreeMap<(Topic, Channel), Template>,
}

impl Templates {
    /// No templates at all: nothing is ever sent.
    pub fn empty() -> Templates {
        Templates {
            by_key: BTreeMap::new(),
        }
    }

    /// Sets the template of `topic` on `channel`. Refused (naming the field as
    /// `templates.<topic>.<channel>.subject|body`) when it is too long, malformed, or
    /// uses a variable the topic does not have.
    pub fn set(
        &mut self,
        topic: Topic,
        channel: Channel,
        subject: &str,
        body: &str,
    ) -> Result<(), ValidationError> {
        let prefix = format!("templates.{}.{}", topic.as_str(), channel.as_str());
        let template = Template::new(subject, body).map_err(|error| ValidationError {
            field: format!("{prefix}.{}", error.field),
            ..error
        })?;
        let allowed = topic.variables();
        if let Some(var) = template.variables().find(|var| !allowed.contains(var)) {
            return Err(ValidationError::new(
                prefix,
                "unknown_variable",
                format!(
                    "`{{{{{}}}}}` is not a variable of `{}` messages",
                    var.as_str(),
                    topic.as_str()
                ),
            ));
        }
        self.by_key.insert((topic, channel), template);
        Ok(())
    }

    /// Stops sending `topic` on `channel`.
    pub fn remove(&mut self, topic: Topic, channel: Channel) {
        self.by_key.remove(&(topic, channel));
    }

    /// The template of `topic` on `channel`, if there is one.
    pub fn get(&self, topic: Topic, channel: Channel) -> Option<&Template> {
        self.by_key.get(&(topic, channel))
    }

    /// The channels `topic` is sent on.
    pub fn channels(&self, topic: Topic) -> impl Iterator<Item = Channel> + '_ {
        Channel::ALL
            .into_iter()
            .filter(move |channel| self.by_key.contains_key(&(topic, *channel)))
    }

    /// Which (topic, channel) pairs have a template: what decides which messages an
    /// event makes, so a checkpoint made under another set is rebuilt, not trusted.
    pub(crate) fn keys(&self) -> Vec<(Topic, Channel)> {
        self.by_key.keys().copied().collect()
    }
}

impl Default for Templates {
    /// The shop's built-in English templates: every transactional topic by email and
    /// push, the urgent ones (placed, shipped, cancelled) by SMS too, and the review
    /// thank-you by email only.
    fn default() -> Templates {
        use Channel::{Email, Push, Sms};
        let defaults: &[(Topic, Channel, &str, &str)] = &[
            (
                Topic::Welcome,
                Email,
                "Welcome, {{name}}",
                "Hi {{name}}, your account is ready. Happy shopping!",
            ),
            (Topic::Welcome, Push, "Welcome", "Welcome, {{name}}!"),
            (
                Topic::OrderPlaced,
                Email,
                "Order {{order_id}} confirmed",
                "Hi {{name}}, thank you for your order {{order_id}}: {{items}} item(s), {{total}} in total. Status: {{status}}.",
            ),
            (
                Topic::OrderPlaced,
                Sms,
                "",
                "Order {{order_id}} confirmed: {{total}}.",
            ),
            (
                Topic::OrderPlaced,
                Push,
                "Order confirmed",
                "{{order_id}}: {{total}}",
            ),
            (
                Topic::OrderPaid,
                Email,
                "Payment received for {{order_id}}",
                "Hi {{name}}, we received {{amount}} for order {{order_id}}.",
            ),
            (
                Topic::OrderPaid,
                Push,
                "Payment received",
                "{{amount}} for {{order_id}}",
            ),
            (
                Topic::OrderShipped,
                Email,
                "Order {{order_id}} has shipped",
                "Hi {{name}}, your order {{order_id}} is on its way.",
            ),
            (
                Topic::OrderShipped,
                Sms,
                "",
                "Order {{order_id}} has shipped.",
            ),
            (
                Topic::OrderShipped,
                Push,
                "Shipped",
                "Order {{order_id}} is on its way.",
            ),
            (
                Topic::OrderDelivered,
                Email,
                "Order {{order_id}} was delivered",
                "Hi {{name}}, your order {{order_id}} was delivered.",
            ),
            (
                Topic::OrderDelivered,
                Push,
                "Delivered",
                "Order {{order_id}} was delivered.",
            ),
            (
                Topic::OrderCancelled,
                Email,
                "Order {{order_id}} was cancelled",
                "Hi {{name}}, your order {{order_id}} was cancelled.",
            ),
            (
                Topic::OrderCancelled,
                Sms,
                "",
                "Order {{order_id}} was cancelled.",
            ),
            (
                Topic::OrderCancelled,
                Push,
                "Cancelled",
                "Order {{order_id}} was cancelled.",
            ),
            (
                Topic::OrderRefunded,
                Email,
                "Refund for {{order_id}}",
                "Hi {{name}}, we refunded {{amount}} for order {{order_id}}.",
            ),
            (
                Topic::OrderRefunded,
                Push,
                "Refunded",
                "{{amount}} refunded for {{order_id}}",
            ),
            (
                Topic::OrderPartiallyRefunded,
                Email,
                "Partial refund for {{order_id}}",
                "Hi {{name}}, we refunded {{amount}} of order {{order_id}}.",
            ),
            (
                Topic::OrderPartiallyRefunded,
                Push,
                "Refunded",
                "{{amount}} refunded for {{order_id}}",
            ),
            (
                Topic::PaymentFailed,
                Email,
                "Your payment did not go through",
                "Hi {{name}}, the payment of {{amount}} was not accepted ({{reason}}). Your cart is still open.",
            ),
            (
                Topic::PaymentFailed,
                Push,
                "Payment failed",
                "{{amount}} was not accepted ({{reason}}).",
            ),
            (
                Topic::ReviewThanks,
                Email,
                "Thanks for your review",
                "Hi {{name}}, thank you for rating {{product_id}} {{rating}}/5. Come back for more!",
            ),
        ];
        let mut templates = Templates::empty();
        for (topic, channel, subject, body) in defaults {
            templates
                .set(*topic, *channel, subject, body)
                .expect("the built-in templates are valid");
        }
        templates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_placeholder_and_keeps_single_braces() {
        let template = Template::new("{{name}}", "a {b} {{total}}{{total}} }}").expect("valid");
        let (subject, body) = template.render(&|var| match var {
            Var::Name => "Ada".into(),
            Var::Total => "1.00 USD".into(),
            _ => "?".into(),
        });
        assert_eq!(subject, "Ada");
        assert_eq!(body, "a {b} 1.00 USD1.00 USD }}");
    }

    #[test]
    fn bad_templates_are_refused_naming_the_field() {
        let mut templates = Templates::empty();
        let error = templates
            .set(Topic::Welcome, Channel::Email, "hi", "{{order_id}}")
            .expect_err("not a welcome variable");
        assert_eq!(error.field, "templates.welcome.email");
        assert_eq!(error.code, "unknown_variable");
        let error = templates
            .set(Topic::Welcome, Channel::Email, "hi", "{{name")
            .expect_err("unclosed");
        assert_eq!(error.field, "templates.welcome.email.body");
        let error = templates
            .set(Topic::Welcome, Channel::Email, "{{nope}}", "x")
            .expect_err("unknown");
        assert_eq!(error.field, "templates.welcome.email.subject");
        let long = "x".repeat(TEMPLATE_BODY_CHARS_MAX + 1);
        let error = templates
            .set(Topic::Welcome, Channel::Email, "", &long)
            .expect_err("too long");
        assert_eq!(error.code, "too_long");
        let many = "{{name}}".repeat(TEMPLATE_PLACEHOLDERS_MAX + 1);
        assert!(
            templates
                .set(Topic::Welcome, Channel::Email, "", &many)
                .is_err()
        );
        assert!(
            templates
                .set(Topic::Welcome, Channel::Email, "", " ")
                .is_err()
        );
        assert!(
            templates.get(Topic::Welcome, Channel::Email).is_none(),
            "nothing was set"
        );
    }

    #[test]
    fn the_defaults_are_valid_and_cover_every_topic() {
        let templates = Templates::default();
        for topic in Topic::ALL {
            assert!(templates.channels(topic).next().is_some(), "{topic}");
        }
        let slots: std::collections::BTreeSet<u64> =
            Channel::ALL.iter().map(|channel| channel.index()).collect();
        assert_eq!(slots.len(), Channel::ALL.len(), "one id slot per channel");
    }
}
