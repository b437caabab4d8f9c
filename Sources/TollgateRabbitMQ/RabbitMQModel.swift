import Foundation
import Tollgate

/// Where and how to connect: `amqp://user:password@host:port/vhost` or `amqps://...` (TLS).
/// The vhost is the URL's path, percent-decoded (`%2f` is `/`, the default when the path is empty).
public struct RabbitMQURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    public var tls: Bool

    public init(host: String = "localhost", port: Int? = nil, user: String = "guest", password: String = "guest",
                vhost: String = "/", tls: Bool = false)
    {
        self.host = host
        self.port = port ?? (tls ? 5671 : 5672)
        self.user = user
        self.password = password
        self.vhost = vhost
        self.tls = tls
    }

    /// Parses an AMQP URI as RabbitMQ's clients do.
    /// - Throws: ``RabbitMQError`` naming what is wrong (never echoing the password).
    public init(parsing text: String) throws(RabbitMQError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let scheme: String
        if trimmed.lowercased().hasPrefix("amqps://") { scheme = "amqps" } else if trimmed.lowercased().hasPrefix("amqp://") { scheme = "amqp" } else {
            throw RabbitMQError(.configuration, "a RabbitMQ URL starts with amqp:// or amqps://, not \(Self.redact(trimmed))")
        }
        var rest = Substring(trimmed.dropFirst(scheme.count + 3))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        var user = "guest", password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon]).removingPercentEncoding ?? String(credentials[..<colon])
                let secret = credentials[credentials.index(after: colon)...]
                password = String(secret).removingPercentEncoding ?? String(secret)
            } else {
                user = String(credentials).removingPercentEncoding ?? String(credentials)
            }
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ; if port == nil { throw RabbitMQError(.configuration, "the port in \(Self.redact(trimmed)) is not a number") } }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                throw RabbitMQError(.configuration, "the port in \(Self.redact(trimmed)) is not a number from 1 to 65535")
            }
            port = number
            host = String(host[..<colon])
        }
        let vhost = path.isEmpty ? "/" : (path.removingPercentEncoding ?? path)
        self.init(host: host.isEmpty ? "localhost" : host, port: port, user: user, password: password, vhost: vhost, tls: scheme == "amqps")
    }

    /// The URL with the password hidden: safe for logs.
    public var description: String {
        let vhostPart = vhost == "/" ? "" : (vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost)
        return "\(tls ? "amqps" : "amqp")://\(user):***@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(vhostPart)"
    }

    /// Hides whatever sits between `://user:` and `@` in text that may be a URL.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              at.lowerBound > scheme.upperBound
        else { return text }
        let credentials = text[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}

/// TLS settings for `amqps://` (rabbitmq-c's OpenSSL socket).
public struct RabbitMQTLS: Sendable, Hashable {
    /// PEM file of the CA certificates that sign the broker's certificate.
    public var caCertificate: String?
    /// Client certificate and key (PEM), for brokers that require them.
    public var certificate: String?
    public var key: String?
    /// Check the broker's certificate chain (default) and that it names the host.
    public var verifyPeer: Bool
    public var verifyHostname: Bool

    public init(caCertificate: String? = nil, certificate: String? = nil, key: String? = nil,
                verifyPeer: Bool = true, verifyHostname: Bool = true)
    {
        self.caCertificate = caCertificate
        self.certificate = certificate
        self.key = key
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}

/// What went wrong talking to RabbitMQ.
public struct RabbitMQError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// A bad URL or setting: retrying will not help.
        case configuration
        /// The connection could not be made, or was lost: reconnecting may help.
        case connection
        /// The broker closed the channel (a missing exchange or queue, a refused declaration...),
        /// with an AMQP reply code.
        case channel
        /// Access refused, or a TLS certificate problem.
        case authentication
        case timeout
    }

    public var kind: Kind
    public var message: String
    /// The AMQP reply code for channel and connection closes (404 NOT_FOUND, 406 PRECONDITION_FAILED...).
    public var replyCode: UInt16?

    public init(_ kind: Kind, _ message: String, replyCode: UInt16? = nil) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    public var description: String { message }
}

/// The AMQP `basic` properties of a message.
public struct AMQPProperties: Sendable, Hashable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable
    /// 2 is persistent.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationId: String?
    public var replyTo: String?
    public var expiration: String?
    public var messageId: String?
    /// Seconds since the Unix epoch.
    public var timestamp: UInt64?
    public var type: String?
    public var userId: String?
    public var appId: String?
    public var clusterId: String?

    public init(contentType: String? = nil, contentEncoding: String? = nil, headers: AMQPTable = AMQPTable(),
                deliveryMode: UInt8? = nil, priority: UInt8? = nil, correlationId: String? = nil, replyTo: String? = nil,
                expiration: String? = nil, messageId: String? = nil, timestamp: UInt64? = nil, type: String? = nil,
                userId: String? = nil, appId: String? = nil, clusterId: String? = nil)
    {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageId = messageId
        self.timestamp = timestamp
        self.type = type
        self.userId = userId
        self.appId = appId
        self.clusterId = clusterId
    }

    public static let persistent: UInt8 = 2
}

/// A message as a RabbitMQ consumer received it.
public struct RabbitMQDelivery: Sendable, Hashable {
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    /// The queue it was consumed from.
    public var queue: String
    public var properties: AMQPProperties
    public var body: [UInt8]

    public init(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, queue: String,
                properties: AMQPProperties, body: [UInt8])
    {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.queue = queue
        self.properties = properties
        self.body = body
    }

    /// The message the pipeline sees: the body, the headers in their text form, the message-id
    /// property as the key (so duplicate detection on the message key works as on Kafka) and the
    /// timestamp property in milliseconds.
    public var message: Message {
        Message(key: properties.messageId.map { Array($0.utf8) }, value: body, headers: properties.headers.messageHeaders,
                origin: .rabbitMQ(exchange: exchange, routingKey: routingKey, queue: queue, deliveryTag: deliveryTag),
                timestamp: properties.timestamp.map { Int64(clamping: $0) &* 1000 })
    }
}

/// A message the broker returned as unroutable (`mandatory` was set and no queue was bound).
public struct AMQPReturn: Sendable, Hashable {
    public var replyCode: UInt16
    public var replyText: String
    public var exchange: String
    public var routingKey: String
    public var properties: AMQPProperties
    public var body: [UInt8]
}
