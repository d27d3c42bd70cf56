//! Where a command's output goes: standard output for results, standard error for messages and a progress
//! line that is only drawn when a person is watching (stderr is a terminal).

use std::io::{IsTerminal, Write};
use std::time::Instant;

use crate::error::CliError;

const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

/// Output and error streams of one command run.
pub struct Console {
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
    out_is_terminal: bool,
    progress: bool,
    progress_shown: bool,
    frame: usize,
    started: Instant,
}

impl Console {
    /// The process's standard output and standard error.
    pub fn std() -> Self {
        Self {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            out_is_terminal: std::io::stdout().is_terminal(),
            progress: std::io::stderr().is_terminal(),
            progress_shown: false,
            frame: 0,
            started: Instant::now(),
        }
    }

    /// Any two writers (tests, embedding); no progress line, not a terminal.
    pub fn new(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            err,
            out_is_terminal: false,
            progress: false,
            progress_shown: false,
            frame: 0,
            started: Instant::now(),
        }
    }

    /// Whether standard output is a terminal (a person reads it).
    pub fn out_is_terminal(&self) -> bool {
        self.out_is_terminal
    }

    /// Writes bytes to the output as they are.
    pub fn write_out(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.clear_progress();
        self.out.write_all(bytes).map_err(CliError::from_write)
    }

    /// Writes one line to the output.
    pub fn println(&mut self, line: &str) -> Result<(), CliError> {
        self.clear_progress();
        writeln!(self.out, "{line}").map_err(CliError::from_write)
    }

    /// Flushes the output (after each page of a stream, so pipes see lines at once).
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(CliError::from_write)
    }

    /// Writes one line to the error stream (messages for people; errors there are ignored).
    pub fn eprintln(&mut self, line: &str) {
        self.clear_progress();
        let _ = writeln!(self.err, "{line}");
    }

    /// Writes text to the error stream as it is.
    pub fn eprint(&mut self, text: &str) {
        self.clear_progress();
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    /// Shows (or updates) the progress line: a spinner, what is going on and the time so far.
    pub fn progress(&mut self, what: &str) {
        if !self.progress {
            return;
        }
        let frame = SPINNER[self.frame % SPINNER.len()];
        self.frame += 1;
        let _ = write!(
            self.err,
            "\r\x1b[2K{frame} {what} ({:.1}s)",
            self.started.elapsed().as_secs_f64()
        );
        let _ = self.err.flush();
        self.progress_shown = true;
    }

    /// Removes the progress line, if one is shown.
    pub fn clear_progress(&mut self) {
        if self.progress_shown {
            let _ = write!(self.err, "\r\x1b[2K");
            let _ = self.err.flush();
            self.progress_shown = false;
        }
    }

    /// Clears the progress line and flushes both streams.
    pub fn finish(&mut self) {
        self.clear_progress();
        let _ = self.out.flush();
        let _ = self.err.flush();
    }
}
