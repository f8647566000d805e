//! The order domain, pure: the Order aggregate (its states, the commands it accepts and
//! the events it records), and the payment saga's steps and compensations. No clock,
//! no store: the system (`mod.rs`) decides when; this decides what.

/// An order's state, as its events leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderState {
    /// No event yet (a stream about to be created).
    #[default]
    New,
    Placed,
    Paid,
    Shipped,
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::New => "new",
            OrderState::Placed => "placed",
            OrderState::Paid => "paid",
            OrderState::Shipped => "shipped",
            OrderState::Cancelled => "cancelled",
        }
    }
}

/// What a client (or the saga) asks of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderCommand {
    PlaceOrder,
    ConfirmPayment,
    ShipOrder,
    CancelOrder,
}

impl OrderCommand {
    /// The endpoint it arrives on (a label of the HTTP metrics).
    pub fn endpoint(self) -> &'static str {
        match self {
            OrderCommand::PlaceOrder => "POST /orders",
            OrderCommand::ConfirmPayment => "POST /orders/{id}/payment",
            OrderCommand::ShipOrder => "POST /orders/{id}/ship",
            OrderCommand::CancelOrder => "POST /orders/{id}/cancel",
        }
    }
}

/// What happened to an order: the only thing stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    OrderPlaced,
    PaymentConfirmed,
    OrderShipped,
    OrderCancelled,
    RefundIssued,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::OrderPlaced,
        EventKind::PaymentConfirmed,
        EventKind::OrderShipped,
        EventKind::OrderCancelled,
        EventKind::RefundIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OrderPlaced => "OrderPlaced",
            EventKind::PaymentConfirmed => "PaymentConfirmed",
            EventKind::OrderShipped => "OrderShipped",
            EventKind::OrderCancelled => "OrderCancelled",
            EventKind::RefundIssued => "RefundIssued",
        }
    }
}

/// A command the order's state does not allow (answered 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainError {
    pub command: OrderCommand,
    pub state: OrderState,
}

/// The events `command` records on an order in `state`, or why it may not run. A
/// cancelled paid order is refunded in the same append.
pub fn decide(
    state: OrderState,
    command: OrderCommand,
) -> Result<&'static [EventKind], DomainError> {
    type C = OrderCommand;
    type E = EventKind;
    type S = OrderState;
    match (state, command) {
        (S::New, C::PlaceOrder) => Ok(&[E::OrderPlaced]),
        (S::Placed, C::ConfirmPayment) => Ok(&[E::PaymentConfirmed]),
        (S::Paid, C::ShipOrder) => Ok(&[E::OrderShipped]),
        (S::Placed, C::CancelOrder) => Ok(&[E::OrderCancelled]),
        (S::Paid, C::CancelOrder) => Ok(&[E::OrderCancelled, E::RefundIssued]),
        _ => Err(DomainError { command, state }),
    }
}

/// The state after `event` (events are facts: applying never fails; one that makes no
/// sense in the state leaves it as it was).
pub fn apply(state: OrderState, event: EventKind) -> OrderState {
    type E = EventKind;
    type S = OrderState;
    match (state, event) {
        (S::New, E::OrderPlaced) => S::Placed,
        (S::Placed, E::PaymentConfirmed) => S::Paid,
        (S::Paid, E::OrderShipped) => S::Shipped,
        (S::Placed | S::Paid, E::OrderCancelled) => S::Cancelled,
        (s, _) => s,
    }
}

/// The payment saga's forward steps, in order (confirming is a command on the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SagaStep {
    ReserveStock,
    ChargePayment,
    Confirm,
}

/// What undoes a completed step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compensation {
    ReleaseStock,
    Refund,
}

impl Compensation {
    pub fn as_str(self) -> &'static str {
        match self {
            Compensation::ReleaseStock => "release_stock",
            Compensation::Refund => "refund",
        }
    }
}

/// What the saga holds of the outside world for one order: whether stock is reserved
/// and the payment charged. Compensations are idempotent: releasing twice, or refunding
/// twice, leaves it as once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    pub stock_reserved: bool,
    pub charged: bool,
}

impl Held {
    /// Records a forward step that succeeded.
    pub fn done(&mut self, step: SagaStep) {
        match step {
            SagaStep::ReserveStock => self.stock_reserved = true,
            SagaStep::ChargePayment => self.charged = true,
            SagaStep::Confirm => {}
        }
    }

    /// The compensations still to run, in reverse order of the steps they undo.
    pub fn compensations(&self) -> Vec<Compensation> {
        let mut out = Vec::new();
        if self.charged {
            out.push(Compensation::Refund);
        }
        if self.stock_reserved {
            out.push(Compensation::ReleaseStock);
        }
        out
    }

    /// Records a compensation that succeeded (again is the same as once).
    pub fn undo(&mut self, c: Compensation) {
        match c {
            Compensation::ReleaseStock => self.stock_reserved = false,
            Compensation::Refund => self.charged = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_goes_placed_paid_shipped_and_refuses_what_its_state_forbids() {
        let mut s = OrderState::New;
        for c in [
            OrderCommand::PlaceOrder,
            OrderCommand::ConfirmPayment,
            OrderCommand::ShipOrder,
        ] {
            for e in decide(s, c).unwrap() {
                s = apply(s, *e);
            }
        }
        assert_eq!(s, OrderState::Shipped);
        assert!(decide(s, OrderCommand::CancelOrder).is_err());
        assert!(decide(OrderState::Placed, OrderCommand::ShipOrder).is_err());
        assert!(decide(OrderState::Cancelled, OrderCommand::ConfirmPayment).is_err());
        assert_eq!(
            decide(OrderState::Paid, OrderCommand::CancelOrder).unwrap(),
            &[EventKind::OrderCancelled, EventKind::RefundIssued]
        );
    }

    #[test]
    fn compensations_run_in_reverse_and_twice_is_the_same_as_once() {
        let mut held = Held::default();
        held.done(SagaStep::ReserveStock);
        held.done(SagaStep::ChargePayment);
        let plan = held.compensations();
        assert_eq!(plan, vec![Compensation::Refund, Compensation::ReleaseStock]);
        let mut once = held;
        for c in &plan {
            once.undo(*c);
        }
        let mut twice = held;
        for c in plan.iter().chain(plan.iter()) {
            twice.undo(*c);
        }
        assert_eq!(once, twice);
        assert_eq!(once, Held::default());
        assert!(once.compensations().is_empty());
    }
}
