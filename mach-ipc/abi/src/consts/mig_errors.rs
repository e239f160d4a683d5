//! MIG's error codes, from `mach/mig_errors.h`: the `kern_return_t` values (all negative)
//! with which MIG-generated stubs and servers reject a message or say that no reply
//! follows.

use super::kern_return::kern_return_t;

// MIG error codes (osfmk/mach/mig_errors.h), all negative.
named_codes! {
    MIG_NAMES;
    /// A message failed MIG's type check (wrong size, complex bit, descriptor type or disposition).
    MIG_TYPE_ERROR = -300;
    /// The reply's `msgh_id` is not the request id + 100.
    MIG_REPLY_MISMATCH = -301;
    /// The server reported an error (legacy).
    MIG_REMOTE_ERROR = -302;
    /// The server's demux does not know the request `msgh_id`.
    MIG_BAD_ID = -303;
    /// The server rejected the request's size, counts or complex bit.
    MIG_BAD_ARGUMENTS = -304;
    /// Returned by a server routine to say that no reply must be sent.
    MIG_NO_REPLY = -305;
    /// The server raised an exception (legacy).
    MIG_EXCEPTION = -306;
    /// An array is longer than its declared (or caller-supplied) limit.
    MIG_ARRAY_TOO_LARGE = -307;
    /// A send-once notification arrived instead of a reply: the server dropped the reply right.
    MIG_SERVER_DIED = -308;
    /// A requested trailer element is missing or has an unknown format.
    MIG_TRAILER_ERROR = -309;
}
