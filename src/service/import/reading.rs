//! Reading the file while the rest of the import goes on: the ledger is parsed on a blocking
//! thread that hands its sheets and rows over a thousand at a time, and what it hands over
//! before the rows can be planned is kept here. A caller must hold no database lock while it
//! waits for a parse slot, and must drop the receiver of the rows before it waits for the
//! reader's end once it stops taking rows (the reader would otherwise wait for room).

use chrono::NaiveDate;
use tokio::sync::Semaphore;

use crate::excel::ledger::{self, CellError, Ledger, LedgerEvent, LedgerFileError, LedgerRow, ReadLimits, SheetReport};

/// Ledgers parsed at the same time: each parse holds its file and calamine's buffers, so this
/// bounds the memory imports take whatever the number of uploads.
static PARSE_SLOTS: Semaphore = Semaphore::const_new(2);

/// Chunks of rows the reader may be ahead of the planner (a chunk is a thousand rows).
const CHUNKS_AHEAD: usize = 4;

/// What the reader handed over before the rows could be planned.
#[derive(Default)]
pub(super) struct Intake {
    /// The sheets announced, with their columns.
    pub(super) sheets: Vec<SheetReport>,
    /// Chunks of rows, with their cell errors.
    pub(super) waiting: Vec<(Vec<LedgerRow>, Vec<CellError>)>,
    /// The as-of date: the caller's, else the first a sheet states.
    pub(super) as_of: Option<NaiveDate>,
    /// The reader has handed over everything.
    pub(super) closed: bool,
}

impl Intake {
    pub(super) fn take(&mut self, event: Option<LedgerEvent>) {
        match event {
            Some(LedgerEvent::Sheet(sheet)) => {
                self.as_of = self.as_of.or(sheet.as_of);
                self.sheets.push(sheet);
            }
            Some(LedgerEvent::Rows { rows, errors }) => self.waiting.push((rows, errors)),
            None => self.closed = true,
        }
    }
}

/// Starts reading `bytes` on a blocking thread, which holds `slot` until it ends and hands
/// each sheet and chunk of rows to `sender` (it stops early when the receiver is gone).
pub(super) fn read_streaming(
    bytes: Vec<u8>,
    limits: ReadLimits,
    as_of: Option<NaiveDate>,
    slot: tokio::sync::SemaphorePermit<'static>,
    sender: tokio::sync::mpsc::Sender<LedgerEvent>,
) -> tokio::task::JoinHandle<Result<Ledger, LedgerFileError>> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let phase = std::time::Instant::now();
        // How long the reader waited for the planner to take its rows: the time the rest of the
        // import is behind the file.
        let mut waited = std::time::Duration::ZERO;
        let read = ledger::read_ledger_streaming(&bytes, &limits, as_of, &mut |event| {
            let sending = std::time::Instant::now();
            let sent = sender.blocking_send(event).is_ok();
            waited += sending.elapsed();
            sent
        });
        tracing::debug!(took = ?phase.elapsed(), ?waited, "ledger import: file read");
        read
    })
}

/// What the reader ended with, once it has handed over everything.
pub(super) async fn finish_reading(
    reading: Option<tokio::task::JoinHandle<Result<Ledger, LedgerFileError>>>,
) -> Result<Ledger, LedgerFileError> {
    let reading = reading.expect("the reader is waited for once");
    reading.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "the ledger reader failed");
        Err(LedgerFileError::NotXlsx {
            reason: "工作簿无法读取".into(),
        })
    })
}

/// A ledger being read: the rows it hands over, the reader's end, and what it handed over
/// before the rows could be planned.
pub(super) struct Reading {
    pub(super) events: tokio::sync::mpsc::Receiver<LedgerEvent>,
    /// Taken by [`finish_reading`], once.
    pub(super) reader: Option<tokio::task::JoinHandle<Result<Ledger, LedgerFileError>>>,
    pub(super) intake: Intake,
}

impl Reading {
    /// Waits for a parse slot, then starts reading `bytes` on a blocking thread. The slot is
    /// taken before the import's transaction begins: waiting for one must not hold the
    /// database's write lock.
    pub(super) async fn start(bytes: Vec<u8>, limits: ReadLimits, as_of: Option<NaiveDate>) -> Self {
        let slot = PARSE_SLOTS.acquire().await.expect("the parse slots are never closed");
        let (sender, events) = tokio::sync::mpsc::channel::<LedgerEvent>(CHUNKS_AHEAD);
        let reader = read_streaming(bytes, limits, as_of, slot, sender);
        Self {
            events,
            reader: Some(reader),
            intake: Intake {
                as_of,
                ..Intake::default()
            },
        }
    }

    /// Runs `work`, keeping what the reader hands over meanwhile: a district's lookups take a
    /// second to load, and the reader would otherwise wait for room.
    pub(super) async fn meanwhile<T>(&mut self, work: impl Future<Output = T>) -> T {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                done = &mut work => break done,
                event = self.events.recv(), if !self.intake.closed => self.intake.take(event),
            }
        }
    }

    /// Keeps what the reader hands over until the as-of date the rows are checked against is
    /// known: the caller's, or the first a sheet's title lines state, or none once the whole
    /// file is read without one.
    pub(super) async fn until_as_of(&mut self) {
        while self.intake.as_of.is_none() && !self.intake.closed {
            self.intake.take(self.events.recv().await);
        }
    }
}
