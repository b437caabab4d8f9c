/*
 * The RabbitMQ benchmark's C baseline: the same consume-publish-confirm-ack loop as Tollgate's
 * RabbitMQ sidecar, on rabbitmq-c, without validation. Consumes QUEUE with manual acks and a
 * prefetch, publishes each body (with its properties) to EXCHANGE with publisher confirms and the
 * mandatory flag on a second channel, and acknowledges the inputs (multiple) as their confirms
 * arrive. One connection, one thread. Stops after COUNT acknowledged and prints one JSON line.
 *
 * usage: rabbitmq-baseline HOST PORT QUEUE EXCHANGE COUNT PREFETCH
 *
 * Benchmark code, not part of Tollgate.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die_on(amqp_rpc_reply_t r, const char *what) {
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    fprintf(stderr, "rabbitmq-baseline: %s failed (%d)\n", what, r.reply_type);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT QUEUE EXCHANGE COUNT PREFETCH\n", argv[0]);
    return 2;
  }
  const char *host = argv[1], *queue = argv[3], *exchange = argv[4];
  int port = atoi(argv[2]);
  uint64_t count = strtoull(argv[5], NULL, 10);
  int prefetch = atoi(argv[6]);

  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t *socket = amqp_tcp_socket_new(conn);
  if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) { fprintf(stderr, "cannot connect\n"); return 1; }
  die_on(amqp_login(conn, "/", 0, 131072, 10, AMQP_SASL_METHOD_PLAIN, "guest", "guest"), "login");
  amqp_channel_open(conn, 1);
  die_on(amqp_get_rpc_reply(conn), "channel 1");
  amqp_channel_open(conn, 2);
  die_on(amqp_get_rpc_reply(conn), "channel 2");
  amqp_confirm_select(conn, 2);
  die_on(amqp_get_rpc_reply(conn), "confirm.select");
  amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
  die_on(amqp_get_rpc_reply(conn), "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  die_on(amqp_get_rpc_reply(conn), "basic.consume");

  /* Publish sequence number n carries input delivery tag tags[n % window]. */
  size_t window = (size_t)prefetch * 2 + 16;
  uint64_t *tags = calloc(window, sizeof(uint64_t));
  uint64_t published = 0, confirmed = 0, acked_tag = 0;
  double first = 0, last = 0;
  while (confirmed < count) {
    amqp_envelope_t envelope;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, NULL, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      if (first == 0) first = now();
      amqp_basic_properties_t props = envelope.message.properties;
      if (amqp_basic_publish(conn, 2, amqp_cstring_bytes(exchange), envelope.routing_key, 1, 0, &props,
                             envelope.message.body) != AMQP_STATUS_OK) {
        fprintf(stderr, "publish failed\n");
        return 1;
      }
      published++;
      tags[published % window] = envelope.delivery_tag;
      amqp_destroy_envelope(&envelope);
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      amqp_frame_t frame;
      if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) return 1;
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        amqp_basic_ack_t *ack = frame.payload.method.decoded;
        uint64_t upto = ack->delivery_tag;
        if (upto <= confirmed) continue;
        uint64_t input = tags[upto % window];
        /* Inputs and publishes are in the same order: every input up to this one is confirmed. */
        if (ack->multiple || upto == confirmed + 1) {
          amqp_basic_ack(conn, 1, input, 1);
          acked_tag = input;
          confirmed = upto;
        } else {
          amqp_basic_ack(conn, 1, input, 0);
          confirmed++;
        }
        last = now();
      } else if (frame.payload.method.id == AMQP_BASIC_RETURN_METHOD || frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        fprintf(stderr, "a publish was returned or nacked\n");
        return 1;
      } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        fprintf(stderr, "the broker closed the channel\n");
        return 1;
      }
      continue;
    }
    fprintf(stderr, "consume failed (%d, %d)\n", r.reply_type, r.library_error);
    return 1;
  }
  (void)acked_tag;
  /* VmHWM, not ru_maxrss: the latter keeps the high-water mark of the process that forked us. */
  long hwm_kib = 0;
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  while (status && fgets(line, sizeof line, status)) {
    if (strncmp(line, "VmHWM:", 6) == 0) hwm_kib = strtol(line + 6, NULL, 10);
  }
  if (status) fclose(status);
  printf("{\"tool\": \"c-baseline\", \"messages\": %llu, \"messages_per_second\": %.0f, \"peak_rss_mib\": %ld}\n",
         (unsigned long long)confirmed, confirmed / (last - first), hwm_kib / 1024);
  amqp_channel_close(conn, 2, AMQP_REPLY_SUCCESS);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return 0;
}
