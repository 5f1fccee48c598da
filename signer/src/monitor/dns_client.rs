//! A small, blocking DNS client for monitoring: one query over UDP with the
//! DO bit (RFC 3225) and EDNS (RFC 6891), retried a bounded number of times,
//! falling back to TCP (RFC 7766) when the answer is truncated or UDP gets
//! nothing; and zone transfers (AXFR, RFC 5936) over TCP.
//!
//! Every wait is bounded twice: by the per-attempt timeout and by the run's
//! deadline, so a cron run always ends. Messages are encoded and decoded
//! with hickory-proto; records are handed back as [`keybundles::Record`]s
//! with RDATA in canonical wire form (uncompressed, names lowercased where
//! RFC 4034 §6.2 says so), ready for RRSIG verification.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name as HickoryName, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use keybundles::rdata::{has_canonical_lowercase_names, parse_rdata_str, write_rdata};
use keybundles::{Class, Name, Record, Rtype};

/// EDNS payload size offered (the DNS Flag Day 2020 value).
const EDNS_PAYLOAD: u16 = 1232;
/// Largest zone transfer accepted, in records, so a runaway stream ends.
const MAX_AXFR_RECORDS: usize = 50_000_000;

/// How long the client may wait.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One UDP attempt, one TCP connect, one TCP read.
    pub timeout: Duration,
    /// UDP attempts after the first.
    pub retries: u32,
    /// Nothing waits past this instant.
    pub deadline: Instant,
}

impl Limits {
    /// The time one step may take: the timeout, cut at the deadline.
    fn step(&self) -> Result<Duration, QueryError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(QueryError::Deadline);
        }
        Ok(self.timeout.min(left))
    }
}

/// Why a query got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing came back: `udp` attempts timed out (or were refused), then TCP failed.
    NoAnswer { udp: String, tcp: String },
    /// The run's deadline passed before an answer.
    Deadline,
    /// An answer came but could not be read.
    Malformed(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::NoAnswer { udp, tcp } => write!(f, "no answer (UDP: {udp}; TCP: {tcp})"),
            QueryError::Deadline => f.write_str("the run's deadline passed before an answer (see --deadline)"),
            QueryError::Malformed(m) => write!(f, "unreadable answer: {m}"),
        }
    }
}

impl std::error::Error for QueryError {}

/// A response, its records converted.
#[derive(Debug, Clone)]
pub struct Response {
    pub rcode: ResponseCode,
    pub authoritative: bool,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    /// True when the answer came over TCP.
    pub tcp: bool,
}

/// Why a zone transfer did not give the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AxfrError {
    /// The server said no (REFUSED, NOTAUTH …) or closed the connection at once.
    NotAllowed(String),
    /// It started but did not finish.
    Failed(String),
}

impl fmt::Display for AxfrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxfrError::NotAllowed(m) => write!(f, "AXFR not allowed: {m}"),
            AxfrError::Failed(m) => write!(f, "AXFR failed: {m}"),
        }
    }
}

/// Queries `server` for `qname`/`qtype` with the DO bit: UDP first, then TCP.
pub fn query(server: SocketAddr, qname: &Name, qtype: Rtype, limits: &Limits) -> Result<Response, QueryError> {
    let id = random_id();
    let wire = encode_query(id, qname, qtype, true)?;
    let udp_problem = match udp_exchange(server, &wire, id, limits) {
        Ok(message) if !message.metadata.truncation => return convert(message, false),
        Ok(_) => "truncated".to_string(),
        Err(QueryError::Deadline) => return Err(QueryError::Deadline),
        Err(QueryError::Malformed(m)) => return Err(QueryError::Malformed(m)),
        Err(QueryError::NoAnswer { udp, .. }) => udp,
    };
    match tcp_exchange(server, &wire, id, limits) {
        Ok(message) => convert(message, true),
        Err(TcpError::Deadline) => Err(QueryError::Deadline),
        Err(TcpError::Malformed(m)) => Err(QueryError::Malformed(m)),
        Err(TcpError::Io(tcp)) => Err(QueryError::NoAnswer { udp: udp_problem, tcp }),
    }
}

/// Transfers the whole zone from `server` over TCP. Each read waits at most
/// the timeout; the whole transfer ends by the deadline.
pub fn axfr(server: SocketAddr, origin: &Name, limits: &Limits) -> Result<Vec<Record>, AxfrError> {
    let id = random_id();
    let wire = encode_query(id, origin, Rtype(252), false).map_err(|e| AxfrError::Failed(e.to_string()))?;
    let step = limits.step().map_err(|e| AxfrError::Failed(e.to_string()))?;
    let mut stream = TcpStream::connect_timeout(&server, step).map_err(|e| AxfrError::NotAllowed(io_text(&e)))?;
    let _ = stream.set_nodelay(true);
    send_tcp(&mut stream, &wire, limits).map_err(|e| AxfrError::NotAllowed(e.to_string()))?;
    let mut records = Vec::new();
    let mut soa_seen = 0;
    let mut first = true;
    loop {
        let message = match read_tcp_message(&mut stream, limits) {
            Ok(bytes) => decode(&bytes).map_err(|e| AxfrError::Failed(e.to_string()))?,
            // A server that does not allow transfers may just close.
            Err(e) if first => return Err(AxfrError::NotAllowed(e.to_string())),
            Err(e) => return Err(AxfrError::Failed(format!("{e} after {} records", records.len()))),
        };
        if message.metadata.id != id {
            return Err(AxfrError::Failed(format!(
                "answer has ID {}, query had {id}",
                message.metadata.id
            )));
        }
        if message.metadata.response_code != ResponseCode::NoError {
            let text = format!("server answered {}", message.metadata.response_code);
            return Err(if first {
                AxfrError::NotAllowed(text)
            } else {
                AxfrError::Failed(text)
            });
        }
        if first && message.answers.is_empty() {
            return Err(AxfrError::NotAllowed("empty answer".into()));
        }
        for record in &message.answers {
            let record = convert_record(record).map_err(AxfrError::Failed)?;
            if records.is_empty() && record.rtype != Rtype::SOA {
                return Err(AxfrError::Failed(format!(
                    "transfer starts with {}, not SOA",
                    record.rtype
                )));
            }
            if record.rtype == Rtype::SOA && record.owner.eq_ignore_case(origin) {
                soa_seen += 1;
                if soa_seen == 2 {
                    return Ok(records);
                }
            }
            records.push(record);
        }
        if records.len() > MAX_AXFR_RECORDS {
            return Err(AxfrError::Failed(format!("more than {MAX_AXFR_RECORDS} records")));
        }
        first = false;
    }
}

fn random_id() -> u16 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 2];
    // The system RNG failing is not worth a panic: a fixed ID still works
    // against an authoritative server we address directly.
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    u16::from_be_bytes(bytes)
}

fn encode_query(id: u16, qname: &Name, qtype: Rtype, edns: bool) -> Result<Vec<u8>, QueryError> {
    let name = HickoryName::read(&mut BinDecoder::new(qname.as_wire()))
        .map_err(|e| QueryError::Malformed(format!("query name {qname}: {e}")))?;
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = false;
    message.add_query(Query::query(name, RecordType::from(qtype.0)));
    if edns {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        edns.set_dnssec_ok(true);
        message.set_edns(edns);
    }
    message
        .to_vec()
        .map_err(|e| QueryError::Malformed(format!("cannot encode query: {e}")))
}

fn decode(bytes: &[u8]) -> Result<Message, QueryError> {
    Message::from_vec(bytes).map_err(|e| QueryError::Malformed(e.to_string()))
}

fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "timed out".into(),
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => e.to_string(),
    }
}

/// `retries + 1` UDP attempts; answers with another ID are ignored.
fn udp_exchange(server: SocketAddr, wire: &[u8], id: u16, limits: &Limits) -> Result<Message, QueryError> {
    let local: SocketAddr = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
        .parse()
        .expect("literal address");
    let no_answer = |udp: String| QueryError::NoAnswer {
        udp,
        tcp: String::new(),
    };
    let socket = UdpSocket::bind(local).map_err(|e| no_answer(e.to_string()))?;
    socket.connect(server).map_err(|e| no_answer(e.to_string()))?;
    let mut buf = vec![0u8; 65535];
    let attempts = limits.retries + 1;
    let mut last = String::new();
    for _ in 0..attempts {
        let step = limits.step()?;
        let end = Instant::now() + step;
        if let Err(e) = socket.send(wire) {
            last = io_text(&e);
            continue;
        }
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                last = "timed out".into();
                break;
            }
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| no_answer(e.to_string()))?;
            match socket.recv(&mut buf) {
                Ok(len) => match decode(&buf[..len]) {
                    Ok(m) if m.metadata.id == id && m.metadata.message_type == MessageType::Response => return Ok(m),
                    // Someone else's datagram, or garbage: keep waiting.
                    _ => continue,
                },
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    // ICMP port unreachable: no point in retrying UDP.
                    return Err(no_answer("connection refused".into()));
                }
                Err(e) => {
                    last = io_text(&e);
                    break;
                }
            }
        }
    }
    let tries = if attempts == 1 {
        "1 try".to_string()
    } else {
        format!("{attempts} tries")
    };
    Err(no_answer(format!("{last} ({tries} of {:?})", limits.timeout)))
}

enum TcpError {
    Io(String),
    Deadline,
    Malformed(String),
}

impl fmt::Display for TcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpError::Io(m) | TcpError::Malformed(m) => f.write_str(m),
            TcpError::Deadline => f.write_str("the run's deadline passed"),
        }
    }
}

fn tcp_exchange(server: SocketAddr, wire: &[u8], id: u16, limits: &Limits) -> Result<Message, TcpError> {
    let step = limits.step().map_err(|_| TcpError::Deadline)?;
    let mut stream = TcpStream::connect_timeout(&server, step).map_err(|e| TcpError::Io(io_text(&e)))?;
    let _ = stream.set_nodelay(true);
    send_tcp(&mut stream, wire, limits)?;
    let bytes = read_tcp_message(&mut stream, limits)?;
    let message = decode(&bytes).map_err(|e| TcpError::Malformed(e.to_string()))?;
    if message.metadata.id != id {
        return Err(TcpError::Malformed(format!(
            "answer has ID {}, query had {id}",
            message.metadata.id
        )));
    }
    Ok(message)
}

fn send_tcp(stream: &mut TcpStream, wire: &[u8], limits: &Limits) -> Result<(), TcpError> {
    let step = limits.step().map_err(|_| TcpError::Deadline)?;
    stream
        .set_write_timeout(Some(step))
        .map_err(|e| TcpError::Io(e.to_string()))?;
    let mut framed = Vec::with_capacity(wire.len() + 2);
    framed.extend_from_slice(&(wire.len() as u16).to_be_bytes());
    framed.extend_from_slice(wire);
    stream.write_all(&framed).map_err(|e| TcpError::Io(io_text(&e)))
}

/// One length-prefixed message; the whole read waits at most one timeout.
fn read_tcp_message(stream: &mut TcpStream, limits: &Limits) -> Result<Vec<u8>, TcpError> {
    let end = Instant::now() + limits.step().map_err(|_| TcpError::Deadline)?;
    let mut len = [0u8; 2];
    read_until(stream, &mut len, end)?;
    let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(len))];
    read_until(stream, &mut bytes, end)?;
    Ok(bytes)
}

fn read_until(stream: &mut TcpStream, buf: &mut [u8], end: Instant) -> Result<(), TcpError> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TcpError::Io("timed out".into()));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| TcpError::Io(e.to_string()))?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err(TcpError::Io("connection closed by the server".into())),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(TcpError::Io(io_text(&e))),
        }
    }
    Ok(())
}

fn convert(message: Message, tcp: bool) -> Result<Response, QueryError> {
    let records = |section: &[hickory_proto::rr::Record]| -> Result<Vec<Record>, QueryError> {
        section
            .iter()
            .map(|r| convert_record(r).map_err(QueryError::Malformed))
            .collect()
    };
    Ok(Response {
        rcode: message.metadata.response_code,
        authoritative: message.metadata.authoritative,
        answers: records(&message.answers)?,
        authorities: records(&message.authorities)?,
        tcp,
    })
}

/// A hickory record as a Signet record, RDATA in canonical wire form.
fn convert_record(record: &hickory_proto::rr::Record) -> Result<Record, String> {
    let owner_wire = record
        .name
        .to_bytes()
        .map_err(|e| format!("owner {}: {e}", record.name))?;
    let owner = Name::from_wire(&owner_wire).map_err(|e| format!("owner {}: {e}", record.name))?;
    let rtype = Rtype(u16::from(record.record_type()));
    let mut rdata = Vec::new();
    {
        let mut encoder = BinEncoder::new(&mut rdata);
        encoder.set_canonical_form(true);
        record
            .data
            .emit(&mut encoder)
            .map_err(|e| format!("{owner} {rtype}: cannot re-encode RDATA: {e}"))?;
    }
    // hickory lowercases the names of the RFC 1035 types in canonical
    // form; for any other type with names to lowercase, go through our
    // own codec, which writes canonical form by construction.
    if has_canonical_lowercase_names(rtype) && rdata.iter().any(u8::is_ascii_uppercase) {
        let mut text = String::new();
        if write_rdata(rtype, &rdata, &mut text).is_ok() {
            rdata = parse_rdata_str(rtype, &text, &Name::root()).map_err(|e| format!("{owner} {rtype}: {e}"))?;
        }
    }
    Ok(Record::new(
        owner,
        Class(u16::from(record.dns_class)),
        record.ttl,
        rtype,
        rdata,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(timeout_ms: u64, retries: u32) -> Limits {
        Limits {
            timeout: Duration::from_millis(timeout_ms),
            retries,
            deadline: Instant::now() + Duration::from_secs(30),
        }
    }

    #[test]
    fn silent_udp_server_times_out_within_the_limits() {
        // A socket that never answers, and no TCP listener on that port.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let start = Instant::now();
        let err = query(addr, &"example.".parse().unwrap(), Rtype::SOA, &limits(200, 2)).unwrap_err();
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(600), "returned after {took:?}: {err}");
        assert!(took < Duration::from_secs(3), "took {took:?}");
        assert!(matches!(err, QueryError::NoAnswer { .. }), "{err}");
        assert!(err.to_string().contains("3 tries"), "{err}");
    }

    #[test]
    fn deadline_cuts_the_timeout() {
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let limits = Limits {
            timeout: Duration::from_secs(10),
            retries: 5,
            deadline: Instant::now() + Duration::from_millis(300),
        };
        let start = Instant::now();
        let err = query(addr, &"example.".parse().unwrap(), Rtype::SOA, &limits).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert_eq!(err, QueryError::Deadline);
    }

    #[test]
    fn query_carries_the_do_bit_and_no_recursion() {
        let wire = encode_query(7, &"Example.".parse().unwrap(), Rtype::DNSKEY, true).unwrap();
        let message = Message::from_vec(&wire).unwrap();
        assert_eq!(message.metadata.id, 7);
        assert!(!message.metadata.recursion_desired);
        let edns = message.edns.expect("EDNS");
        assert!(edns.flags().dnssec_ok);
        assert_eq!(message.queries[0].query_type(), RecordType::DNSKEY);
    }

    #[test]
    fn records_come_back_canonical() {
        // An MX answer with a compressed, mixed-case exchange name.
        let mut message = Message::new(1, MessageType::Response, OpCode::Query);
        let name = HickoryName::from_ascii("Example.").unwrap();
        let mx = hickory_proto::rr::rdata::MX::new(10, HickoryName::from_ascii("Mail.Example.").unwrap());
        message.add_answer(hickory_proto::rr::Record::from_rdata(
            name,
            300,
            hickory_proto::rr::RData::MX(mx),
        ));
        let wire = message.to_vec().unwrap();
        let response = convert(Message::from_vec(&wire).unwrap(), false).unwrap();
        let record = &response.answers[0];
        let expected = parse_rdata_str(Rtype::MX, "10 mail.example.", &Name::root()).unwrap();
        assert_eq!(&*record.rdata, &expected[..]);
        assert_eq!(record.rtype, Rtype::MX);
    }
}
