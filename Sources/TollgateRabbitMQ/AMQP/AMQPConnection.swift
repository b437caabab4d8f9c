import CAMQPLogin
import CRabbitMQ
import Foundation

/// What a connection read from the broker.
enum AMQPEvent {
    case delivery(RabbitMQDelivery)
    /// Publisher confirms.
    case ack(UInt64, multiple: Bool)
    case nack(UInt64, multiple: Bool)
    case returned(AMQPReturn)
    /// The broker closed a channel (close-ok already sent); the connection lives on.
    case channelClosed(channel: UInt16, code: UInt16, text: String)
    /// The broker cancelled a consumer (its queue was deleted, or a quorum queue's leader moved).
    case cancelled(consumerTag: String)
    /// The broker stopped (or resumed) reading from this connection: a memory or disk alarm.
    case blocked(reason: String)
    case unblocked
    /// Nothing arrived within the timeout.
    case timeout
}

/// One rabbitmq-c connection. Not thread-safe, like rabbitmq-c itself: one owner thread calls
/// everything. Every read is bounded: by the timeout given, by the RPC timeout for synchronous
/// methods, and by heartbeats for a peer that went silent.
/// `@unchecked Sendable` only so a connection made on one thread can be handed to the thread that
/// owns it from then on; it is never used from two threads at a time.
final class AMQPConnection: @unchecked Sendable {
    private let state: amqp_connection_state_t
    let url: RabbitMQURL
    private var closed = false

    /// Connects, logs in and tunes. `heartbeat` in seconds (0 turns heartbeats off).
    init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, name: String, heartbeat: Int = 10,
         timeout: Duration = .seconds(10)) throws(RabbitMQError)
    {
        guard let state = amqp_new_connection() else { throw RabbitMQError(.connection, "rabbitmq-c could not allocate a connection") }
        self.state = state
        self.url = url
        do {
            try open(tls: url.tls ? (tls ?? RabbitMQTLS()) : nil, name: name, heartbeat: heartbeat, timeout: timeout)
        } catch {
            amqp_destroy_connection(state)
            closed = true
            throw error
        }
    }

    deinit { close() }

    private func open(tls: RabbitMQTLS?, name: String, heartbeat: Int, timeout: Duration) throws(RabbitMQError) {
        let socket: OpaquePointer?
        if let tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw RabbitMQError(.connection, "rabbitmq-c could not create a TLS socket") }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
            if let ca = tls.caCertificate, amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK.rawValue {
                throw RabbitMQError(.configuration, "cannot load the CA certificates from \(ca)")
            }
            if let certificate = tls.certificate {
                guard let key = tls.key, amqp_ssl_socket_set_key(socket, certificate, key) == AMQP_STATUS_OK.rawValue else {
                    throw RabbitMQError(.configuration, "cannot load the client certificate \(certificate) with its key \(tls.key ?? "(none given)")")
                }
            }
        } else {
            socket = amqp_tcp_socket_new(state)
            guard socket != nil else { throw RabbitMQError(.connection, "rabbitmq-c could not create a socket") }
        }
        var tv = Self.timeval(timeout)
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &tv)
        guard status == AMQP_STATUS_OK.rawValue else {
            let kind: RabbitMQError.Kind = [AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue].contains(status)
                ? .authentication : .connection
            throw RabbitMQError(kind, "cannot connect to \(url.host):\(url.port): \(Self.describe(status))")
        }
        amqp_set_rpc_timeout(state, &tv)
        let reply = tollgate_amqp_login_plain(state, url.vhost, 0, 131_072, Int32(heartbeat), url.user, url.password, name)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            var error = describe(reply, doing: "log in to \(url) as \(url.user)")
            if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION, reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue
                || reply.library_error == AMQP_STATUS_SOCKET_CLOSED.rawValue {
                error = RabbitMQError(.authentication, "\(url) refused the login of \(url.user) (wrong user or password, or no access to vhost \(url.vhost))")
            }
            throw error
        }
    }

    /// Sends connection.close (best effort) and frees the connection.
    func close() {
        guard !closed else { return }
        closed = true
        var tv = Self.timeval(.seconds(2))
        amqp_set_rpc_timeout(state, &tv)
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(state)
    }

    /// Closes the socket without the closing handshake (after an error).
    func abandon() {
        guard !closed else { return }
        closed = true
        amqp_destroy_connection(state)
    }

    var fileDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Whether bytes already read wait in rabbitmq-c's buffers (so polling the socket would miss them).
    var hasBufferedInput: Bool { amqp_data_in_buffer(state) != 0 || amqp_frames_enqueued(state) != 0 }

    // MARK: Channels and topology

    func openChannel(_ channel: UInt16) throws(RabbitMQError) {
        _ = amqp_channel_open(state, channel)
        try check(doing: "open channel \(channel)", channel: channel)
    }

    func closeChannel(_ channel: UInt16) {
        _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
    }

    func declareExchange(_ name: String, type: String, durable: Bool, arguments: AMQPTable = AMQPTable(), channel: UInt16) throws(RabbitMQError) {
        try withTable(arguments, strings: [name, type]) { table, s throws(RabbitMQError) in
            _ = amqp_exchange_declare(state, channel, s[0], s[1], 0, durable ? 1 : 0, 0, 0, table)
            try check(doing: "declare exchange '\(name)' (\(type))", channel: channel)
        }
    }

    func deleteExchange(_ name: String, channel: UInt16) throws(RabbitMQError) {
        try withTable(AMQPTable(), strings: [name]) { _, s throws(RabbitMQError) in
            _ = amqp_exchange_delete(state, channel, s[0], 0)
            try check(doing: "delete exchange '\(name)'", channel: channel)
        }
    }

    /// Declares a queue; returns its message and consumer counts. `passive`: only check it exists.
    @discardableResult
    func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
                      passive: Bool = false, arguments: AMQPTable = AMQPTable(), channel: UInt16) throws(RabbitMQError) -> (messages: Int, consumers: Int)
    {
        try withTable(arguments, strings: [name]) { table, s throws(RabbitMQError) in
            let ok = amqp_queue_declare(state, channel, s[0], passive ? 1 : 0, durable ? 1 : 0,
                                        exclusive ? 1 : 0, autoDelete ? 1 : 0, table)
            try check(doing: passive ? "find queue '\(name)'" : "declare queue '\(name)'", channel: channel)
            guard let ok else { return (0, 0) }
            return (Int(ok.pointee.message_count), Int(ok.pointee.consumer_count))
        }
    }

    func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = AMQPTable(), channel: UInt16) throws(RabbitMQError) {
        try withTable(arguments, strings: [queue, exchange, routingKey]) { table, s throws(RabbitMQError) in
            _ = amqp_queue_bind(state, channel, s[0], s[1], s[2], table)
            try check(doing: "bind queue '\(queue)' to exchange '\(exchange)' with '\(routingKey)'", channel: channel)
        }
    }

    func deleteQueue(_ name: String, channel: UInt16) throws(RabbitMQError) {
        try withTable(AMQPTable(), strings: [name]) { _, s throws(RabbitMQError) in
            _ = amqp_queue_delete(state, channel, s[0], 0, 0)
            try check(doing: "delete queue '\(name)'", channel: channel)
        }
    }

    func purgeQueue(_ name: String, channel: UInt16) throws(RabbitMQError) {
        try withTable(AMQPTable(), strings: [name]) { _, s throws(RabbitMQError) in
            _ = amqp_queue_purge(state, channel, s[0])
            try check(doing: "purge queue '\(name)'", channel: channel)
        }
    }

    // MARK: Consuming

    /// basic.qos: at most `prefetch` unacknowledged deliveries on the channel.
    func qos(prefetch: Int, channel: UInt16) throws(RabbitMQError) {
        _ = amqp_basic_qos(state, channel, 0, UInt16(clamping: prefetch), 0)
        try check(doing: "set the prefetch to \(prefetch)", channel: channel)
    }

    /// basic.consume, with manual acknowledgements unless `autoAck`; returns the consumer tag.
    func consume(queue: String, consumerTag: String = "", autoAck: Bool = false, arguments: AMQPTable = AMQPTable(),
                 channel: UInt16) throws(RabbitMQError) -> String
    {
        try withTable(arguments, strings: [queue, consumerTag]) { table, s throws(RabbitMQError) in
            let ok = amqp_basic_consume(state, channel, s[0], s[1], 0,
                                        autoAck ? 1 : 0, 0, table)
            try check(doing: "consume from queue '\(queue)'", channel: channel)
            return ok.map { Self.string($0.pointee.consumer_tag) } ?? consumerTag
        }
    }

    func ack(_ deliveryTag: UInt64, multiple: Bool, channel: UInt16) throws(RabbitMQError) {
        try status(amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0), doing: "acknowledge delivery \(deliveryTag)")
    }

    func nack(_ deliveryTag: UInt64, multiple: Bool, requeue: Bool, channel: UInt16) throws(RabbitMQError) {
        try status(amqp_basic_nack(state, channel, deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0), doing: "reject delivery \(deliveryTag)")
    }

    /// basic.get: one message without a consumer, or `nil` when the queue is empty.
    func get(queue: String, autoAck: Bool, channel: UInt16) throws(RabbitMQError) -> RabbitMQDelivery? {
        let reply = try withTable(AMQPTable(), strings: [queue]) { _, s throws(RabbitMQError) in
            amqp_basic_get(state, channel, s[0], autoAck ? 1 : 0)
        }
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw describe(reply, doing: "get from queue '\(queue)'", channel: channel) }
        guard reply.reply.id == 0x003C_0047, let decoded = reply.reply.decoded else { return nil }   // basic.get-ok; else get-empty
        let ok = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let (properties, body) = try readContent(channel: channel)
        return RabbitMQDelivery(deliveryTag: ok.delivery_tag, redelivered: ok.redelivered != 0, exchange: Self.string(ok.exchange),
                                routingKey: Self.string(ok.routing_key), queue: queue, properties: properties, body: body)
    }

    // MARK: Publishing

    /// confirm.select: the broker acks (or nacks) every publish on the channel, numbered from 1.
    func enableConfirms(channel: UInt16) throws(RabbitMQError) {
        _ = amqp_confirm_select(state, channel)
        try check(doing: "turn on publisher confirms", channel: channel)
    }

    func publish(exchange: String, routingKey: String, mandatory: Bool, properties: AMQPProperties, body: [UInt8],
                 channel: UInt16) throws(RabbitMQError)
    {
        var pool = amqp_pool_t()
        init_amqp_pool(&pool, 4096)
        defer { empty_amqp_pool(&pool) }
        var props = try Self.cProperties(properties, pool: &pool)
        let exchangeBytes = Self.copy(Array(exchange.utf8), pool: &pool)
        let routingKeyBytes = Self.copy(Array(routingKey.utf8), pool: &pool)
        let status = body.withUnsafeBytes { raw in
            amqp_basic_publish(state, channel, exchangeBytes, routingKeyBytes,
                               mandatory ? 1 : 0, 0, &props,
                               amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress)))
        }
        try self.status(status, doing: "publish to exchange '\(exchange)'")
    }

    // MARK: Reading

    /// The next delivery, confirm, return or close from the broker, waiting at most `timeout`
    /// (`nil`: until something arrives or heartbeats say the peer is gone).
    /// - Throws: ``RabbitMQError`` when the connection is lost or closed by the broker.
    func next(timeout: Duration?) throws(RabbitMQError) -> AMQPEvent {
        defer { amqp_maybe_release_buffers(state) }
        var frame = amqp_frame_t()
        var tv = timeout.map(Self.timeval) ?? Glibc.timeval()
        let status = timeout == nil ? amqp_simple_wait_frame(state, &frame) : amqp_simple_wait_frame_noblock(state, &frame, &tv)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return .timeout }
        try self.status(status, doing: "read from the broker")
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .timeout }   // heartbeats are handled inside rabbitmq-c
        let channel = frame.channel
        let method = frame.payload.method
        switch method.id {
        case 0x003C_003C:   // basic.deliver
            let d = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let tag = d.delivery_tag, redelivered = d.redelivered != 0
            let exchange = Self.string(d.exchange), routingKey = Self.string(d.routing_key), consumer = Self.string(d.consumer_tag)
            let (properties, body) = try readContent(channel: channel)
            return .delivery(RabbitMQDelivery(deliveryTag: tag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                                              queue: consumer, properties: properties, body: body))
        case 0x003C_0050:   // basic.ack
            let a = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .ack(a.delivery_tag, multiple: a.multiple != 0)
        case 0x003C_0078:   // basic.nack
            let n = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .nack(n.delivery_tag, multiple: n.multiple != 0)
        case 0x003C_0032:   // basic.return
            let r = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let code = r.reply_code, text = Self.string(r.reply_text), exchange = Self.string(r.exchange), routingKey = Self.string(r.routing_key)
            let (properties, body) = try readContent(channel: channel)
            return .returned(AMQPReturn(replyCode: code, replyText: text, exchange: exchange, routingKey: routingKey,
                                        properties: properties, body: body))
        case 0x003C_001E:   // basic.cancel from the broker
            let c = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            return .cancelled(consumerTag: Self.string(c.consumer_tag))
        case 0x0014_0028:   // channel.close
            let c = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = c.reply_code, text = Self.string(c.reply_text)
            var ok = amqp_channel_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, channel, 0x0014_0029, &ok)
            return .channelClosed(channel: channel, code: code, text: text)
        case 0x000A_0032:   // connection.close
            let c = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let code = c.reply_code, text = Self.string(c.reply_text)
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, 0x000A_0033, &ok)
            throw RabbitMQError(.connection, "the broker closed the connection: \(code) \(text)", replyCode: code)
        case 0x000A_003C:   // connection.blocked
            let b = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            return .blocked(reason: Self.string(b.reason))
        case 0x000A_003D:
            return .unblocked
        default:
            return .timeout
        }
    }

    /// The content header and body frames that follow a deliver, get-ok or return.
    private func readContent(channel: UInt16) throws(RabbitMQError) -> (AMQPProperties, [UInt8]) {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw describe(reply, doing: "read a message body", channel: channel) }
        defer { amqp_destroy_message(&message) }
        let properties = try Self.swiftProperties(message.properties)
        let body = Self.bytes(message.body)
        return (properties, body)
    }

    // MARK: Conversions

    private static func cProperties(_ p: AMQPProperties, pool: inout amqp_pool_t) throws(RabbitMQError) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func text(_ value: String?, _ flag: UInt32, _ set: (amqp_bytes_t) -> Void) {
            guard let value else { return }
            flags |= flag
            set(copy(Array(value.utf8), pool: &pool))
        }
        text(p.contentType, 1 << 15) { c.content_type = $0 }
        text(p.contentEncoding, 1 << 14) { c.content_encoding = $0 }
        if !p.headers.isEmpty {
            flags |= 1 << 13
            let encoded = AMQPTableCodec.encodeWithLength(p.headers)
            var table = amqp_table_t()
            var offset = 0
            let bytes = copy(encoded, pool: &pool)
            let status = amqp_decode_table(bytes, &pool, &table, &offset)
            guard status == AMQP_STATUS_OK.rawValue else { throw RabbitMQError(.configuration, "headers could not be encoded: \(describe(status))") }
            c.headers = table
        }
        if let v = p.deliveryMode { flags |= 1 << 12; c.delivery_mode = v }
        if let v = p.priority { flags |= 1 << 11; c.priority = v }
        text(p.correlationId, 1 << 10) { c.correlation_id = $0 }
        text(p.replyTo, 1 << 9) { c.reply_to = $0 }
        text(p.expiration, 1 << 8) { c.expiration = $0 }
        text(p.messageId, 1 << 7) { c.message_id = $0 }
        if let v = p.timestamp { flags |= 1 << 6; c.timestamp = v }
        text(p.type, 1 << 5) { c.type = $0 }
        text(p.userId, 1 << 4) { c.user_id = $0 }
        text(p.appId, 1 << 3) { c.app_id = $0 }
        text(p.clusterId, 1 << 2) { c.cluster_id = $0 }
        c._flags = flags
        return c
    }

    private static func swiftProperties(_ c: amqp_basic_properties_t) throws(RabbitMQError) -> AMQPProperties {
        let flags = c._flags
        func text(_ flag: UInt32, _ value: amqp_bytes_t) -> String? { flags & flag != 0 ? string(value) : nil }
        var p = AMQPProperties()
        p.contentType = text(1 << 15, c.content_type)
        p.contentEncoding = text(1 << 14, c.content_encoding)
        if flags & (1 << 13) != 0, c.headers.num_entries > 0 {
            p.headers = try table(c.headers)
        }
        if flags & (1 << 12) != 0 { p.deliveryMode = c.delivery_mode }
        if flags & (1 << 11) != 0 { p.priority = c.priority }
        p.correlationId = text(1 << 10, c.correlation_id)
        p.replyTo = text(1 << 9, c.reply_to)
        p.expiration = text(1 << 8, c.expiration)
        p.messageId = text(1 << 7, c.message_id)
        if flags & (1 << 6) != 0 { p.timestamp = c.timestamp }
        p.type = text(1 << 5, c.type)
        p.userId = text(1 << 4, c.user_id)
        p.appId = text(1 << 3, c.app_id)
        p.clusterId = text(1 << 2, c.cluster_id)
        return p
    }

    /// A decoded rabbitmq-c table, through its wire encoding (one codec, in Swift, for both directions).
    private static func table(_ t: amqp_table_t) throws(RabbitMQError) -> AMQPTable {
        var capacity = 4096
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            var offset = 0
            var input = t
            let status = buffer.withUnsafeMutableBytes { raw in
                amqp_encode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &input, &offset)
            }
            if status == AMQP_STATUS_TABLE_TOO_BIG.rawValue, capacity < 1 << 27 {
                capacity *= 8
                continue
            }
            guard status == AMQP_STATUS_OK.rawValue, offset >= 4 else {
                throw RabbitMQError(.connection, "a header table could not be read: \(describe(status))")
            }
            do {
                return try AMQPTableCodec.decode(buffer[4..<offset])
            } catch {
                throw RabbitMQError(.connection, "a header table could not be read: \(error)")
            }
        }
    }

    /// Calls `body` with `table` and `strings` in rabbitmq-c's form, in memory that lives until it returns.
    private func withTable<T>(_ table: AMQPTable, strings: [String],
                              _ body: (amqp_table_t, [amqp_bytes_t]) throws(RabbitMQError) -> T) throws(RabbitMQError) -> T
    {
        var pool = amqp_pool_t()
        init_amqp_pool(&pool, 4096)
        defer { empty_amqp_pool(&pool) }
        let cStrings = strings.map { Self.copy(Array($0.utf8), pool: &pool) }
        guard !table.isEmpty else { return try body(amqp_empty_table, cStrings) }
        var decoded = amqp_table_t()
        var offset = 0
        let bytes = Self.copy(AMQPTableCodec.encodeWithLength(table), pool: &pool)
        guard amqp_decode_table(bytes, &pool, &decoded, &offset) == AMQP_STATUS_OK.rawValue else {
            throw RabbitMQError(.configuration, "the arguments table could not be encoded")
        }
        return try body(decoded, cStrings)
    }

    private static func copy(_ bytes: [UInt8], pool: inout amqp_pool_t) -> amqp_bytes_t {
        var out = amqp_bytes_t()
        amqp_pool_alloc_bytes(&pool, bytes.count, &out)
        if bytes.count > 0, let base = out.bytes {
            bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        }
        return out
    }

    static func bytes(_ b: amqp_bytes_t) -> [UInt8] {
        guard b.len > 0, let base = b.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: b.len))
    }

    static func string(_ b: amqp_bytes_t) -> String {
        String(decoding: bytes(b), as: UTF8.self)
    }

    static func timeval(_ d: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = d.components
        return Glibc.timeval(tv_sec: Int(max(0, seconds)), tv_usec: Int(max(0, attoseconds) / 1_000_000_000_000))
    }

    // MARK: Errors

    private static func describe(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    private func status(_ status: Int32, doing what: String) throws(RabbitMQError) {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        let kind: RabbitMQError.Kind = status == AMQP_STATUS_TIMEOUT.rawValue || status == AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue ? .timeout : .connection
        throw RabbitMQError(kind, "could not \(what): \(Self.describe(status))")
    }

    private func check(doing what: String, channel: UInt16) throws(RabbitMQError) {
        let reply = amqp_get_rpc_reply(state)
        guard reply.reply_type != AMQP_RESPONSE_NORMAL else { return }
        throw describe(reply, doing: what, channel: channel)
    }

    /// The error for a failed RPC. A channel closed by the broker is acknowledged here (close-ok), so
    /// the caller may open it again.
    private func describe(_ reply: amqp_rpc_reply_t, doing what: String, channel: UInt16 = 0) -> RabbitMQError {
        switch reply.reply_type {
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == 0x0014_0028, let decoded = reply.reply.decoded {
                let c = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                var ok = amqp_channel_close_ok_t(dummy: 0)
                _ = amqp_send_method(state, channel, 0x0014_0029, &ok)
                return RabbitMQError(.channel, "could not \(what): \(c.reply_code) \(Self.string(c.reply_text))", replyCode: c.reply_code)
            }
            if reply.reply.id == 0x000A_0032, let decoded = reply.reply.decoded {
                let c = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                var ok = amqp_connection_close_ok_t(dummy: 0)
                _ = amqp_send_method(state, 0, 0x000A_0033, &ok)
                let kind: RabbitMQError.Kind = c.reply_code == 403 ? .authentication : .connection
                return RabbitMQError(kind, "could not \(what): the broker closed the connection: \(c.reply_code) \(Self.string(c.reply_text))",
                                     replyCode: c.reply_code)
            }
            return RabbitMQError(.connection, "could not \(what): unexpected reply \(reply.reply.id)")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let kind: RabbitMQError.Kind = reply.library_error == AMQP_STATUS_TIMEOUT.rawValue ? .timeout : .connection
            return RabbitMQError(kind, "could not \(what): \(Self.describe(reply.library_error))")
        default:
            return RabbitMQError(.connection, "could not \(what): no reply")
        }
    }
}
