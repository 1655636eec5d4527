//! Writing to stdout without panicking when the reader has gone away.
//!
//! `println!` panics on a closed pipe (`invoice-chaos list | head`); a report tool must
//! instead stop writing quietly and keep its exit code.

use std::io::Write;

/// Writes formatted text to stdout; a closed pipe or other write error is ignored,
/// because the run's verdict and files do not depend on anyone reading stdout.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_fmt(args);
    let _ = stdout.flush();
}

/// `println!` that never panics on a closed stdout.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that never panics on a closed stdout.
#[macro_export]
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))
    };
}
