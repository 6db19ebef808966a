//! What the store costs, counted at the adapter: every request sent
//! (retries included), and the read and write capacity units DynamoDB
//! reports consuming (every request asks for `ReturnConsumedCapacity`).
//! The read-count tests, the capacity benchmark and docs/capacity.md read
//! these.

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    scan::{ScanInput, ScanOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A snapshot of the counts: requests, and capacity units (read, write).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Usage {
    pub requests: u64,
    pub read_units: f64,
    pub write_units: f64,
    /// Transactions DynamoDB cancelled (a conflict, a failed condition,
    /// throttling), each retried or answered by the caller.
    pub cancellations: u64,
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DynamoDB: {} requests, {:.1} read units, {:.1} write units, {} transactions cancelled",
            self.requests, self.read_units, self.write_units, self.cancellations
        )
    }
}

impl Usage {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Usage) -> Usage {
        Usage {
            requests: self.requests - before.requests,
            read_units: self.read_units - before.read_units,
            write_units: self.write_units - before.write_units,
            cancellations: self.cancellations - before.cancellations,
        }
    }
}

/// Units are kept in thousandths (they come as fractions: 0.5 for an
/// eventually consistent read).
#[derive(Debug, Default)]
pub(super) struct Meter {
    requests: AtomicU64,
    cancellations: AtomicU64,
    read_milli: AtomicU64,
    write_milli: AtomicU64,
}

impl Meter {
    pub fn usage(&self) -> Usage {
        Usage {
            requests: self.requests.load(Ordering::Relaxed),
            read_units: self.read_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            write_units: self.write_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            cancellations: self.cancellations.load(Ordering::Relaxed),
        }
    }

    pub fn cancelled(&self) {
        self.cancellations.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds a request's consumed capacity; a total without its split is
    /// a read's or a write's by what the request was.
    fn consumed(&self, c: &ConsumedCapacity, a_read: bool) {
        let milli = |u: Option<f64>| (u.unwrap_or(0.0) * 1000.0).round() as u64;
        let (mut read, mut write) = (milli(c.read_capacity_units), milli(c.write_capacity_units));
        if read == 0 && write == 0 {
            let total = milli(c.capacity_units);
            if a_read {
                read = total;
            } else {
                write = total;
            }
        }
        self.read_milli.fetch_add(read, Ordering::Relaxed);
        self.write_milli.fetch_add(write, Ordering::Relaxed);
    }
}

/// The interceptor: asks each request for its consumed capacity, counts
/// the request, and adds what the answer reports.
#[derive(Debug)]
pub(super) struct Metered(pub Arc<Meter>);

/// Sets `return_consumed_capacity` on whichever operation's input this is.
macro_rules! ask_capacity {
    ($input:expr, $($t:ty),*) => {
        $(if let Some(i) = $input.downcast_mut::<$t>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            return Ok(());
        })*
    };
}

impl Intercept for Metered {
    fn name(&self) -> &'static str {
        "aftercare::Metered"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        ask_capacity!(
            input,
            GetItemInput,
            PutItemInput,
            UpdateItemInput,
            DeleteItemInput,
            QueryInput,
            ScanInput,
            BatchGetItemInput,
            TransactWriteItemsInput
        );
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let meter = &self.0;
        let one = |c: Option<&ConsumedCapacity>, a_read: bool| {
            if let Some(c) = c {
                meter.consumed(c, a_read)
            }
        };
        if let Some(o) = output.downcast_ref::<GetItemOutput>() {
            one(o.consumed_capacity.as_ref(), true)
        } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
            one(o.consumed_capacity.as_ref(), true)
        } else if let Some(o) = output.downcast_ref::<ScanOutput>() {
            one(o.consumed_capacity.as_ref(), true)
        } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
            one(o.consumed_capacity.as_ref(), false)
        } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
            one(o.consumed_capacity.as_ref(), false)
        } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
            one(o.consumed_capacity.as_ref(), false)
        } else if let Some(o) = output.downcast_ref::<BatchGetItemOutput>() {
            for c in o.consumed_capacity.iter().flatten() {
                meter.consumed(c, true)
            }
        } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
            for c in o.consumed_capacity.iter().flatten() {
                meter.consumed(c, false)
            }
        }
        Ok(())
    }
}
