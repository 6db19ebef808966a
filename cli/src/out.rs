//! Standard output for the commands. A reader that goes away before the
//! end (`aftercare escalations list | head -1`) ends the command quietly
//! and successfully, as a Unix tool does, instead of the panic `println!`
//! gives on a closed pipe.

use std::io::Write;

/// Writes `text` to standard output and flushes it.
pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` that ends quietly on a closed pipe.
macro_rules! say {
    () => {
        $crate::out::write_out("\n")
    };
    ($($arg:tt)*) => {
        $crate::out::write_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that ends quietly on a closed pipe.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::out::write_out(&format!($($arg)*))
    };
}
