//! The dialect end to end over HTTP, against a platform on `127.0.0.1:0`, with a
//! client that encrypts the way the SDKs do.

mod calls;
mod faults;
mod flows;
mod story;
mod support;
