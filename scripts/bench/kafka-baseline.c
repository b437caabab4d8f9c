/*
 * The Kafka benchmark's baseline: what any consume-produce-commit relay costs with librdkafka,
 * without validation. Consumes a topic as a group member (cooperative-sticky), writes every record
 * unchanged (key, value, headers) to an output topic with an idempotent producer, and stores each
 * input offset for librdkafka's automatic commit once its delivery is confirmed: the same work as
 * `tollgate run` minus the pipeline. Stops after N confirmed records and prints one JSON line.
 *
 *   cc -O2 -o kafka-baseline kafka-baseline.c -lrdkafka
 *   kafka-baseline BROKERS INPUT_TOPIC OUTPUT_TOPIC GROUP COUNT
 *
 * Benchmark code, not part of Tollgate.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static rd_kafka_t *consumer;
static long delivered, failed;
static struct timespec first_consumed, last_delivered;
static int have_first;

static double seconds_between(struct timespec a, struct timespec b) {
        return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* The input coordinates travel in the record's opaque: partition in the top 16 bits. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        (void)opaque;
        uintptr_t coordinates = (uintptr_t)m->_private;
        if (m->err) {
                failed++;
                return;
        }
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(list, (const char *)rd_kafka_opaque(consumer),
                                          (int32_t)(coordinates >> 48))->offset =
            (int64_t)(coordinates & 0xFFFFFFFFFFFFull) + 1;
        rd_kafka_offsets_store(consumer, list);
        rd_kafka_topic_partition_list_destroy(list);
        delivered++;
        clock_gettime(CLOCK_MONOTONIC, &last_delivered);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
        char err[512];
        if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "kafka-baseline: %s=%s: %s\n", key, value, err);
                exit(2);
        }
}

static long peak_rss_kib(void) {
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long kib = -1;
        while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, "VmHWM:", 6)) kib = strtol(line + 6, NULL, 10);
        if (f) fclose(f);
        return kib;
}

int main(int argc, char **argv) {
        if (argc != 6) {
                fprintf(stderr, "usage: kafka-baseline BROKERS INPUT_TOPIC OUTPUT_TOPIC GROUP COUNT\n");
                return 2;
        }
        const char *brokers = argv[1], *input = argv[2], *output = argv[3], *group = argv[4];
        long count = atol(argv[5]);
        char err[512];

        rd_kafka_conf_t *cc = rd_kafka_conf_new();
        set(cc, "bootstrap.servers", brokers);
        set(cc, "group.id", group);
        set(cc, "partition.assignment.strategy", "cooperative-sticky");
        set(cc, "enable.auto.offset.store", "false");
        set(cc, "enable.auto.commit", "true");
        set(cc, "auto.offset.reset", "earliest");
        rd_kafka_conf_set_opaque(cc, (void *)input);
        if (!(consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err))) {
                fprintf(stderr, "kafka-baseline: %s\n", err);
                return 2;
        }
        rd_kafka_poll_set_consumer(consumer);

        rd_kafka_conf_t *pc = rd_kafka_conf_new();
        set(pc, "bootstrap.servers", brokers);
        set(pc, "enable.idempotence", "true");
        set(pc, "acks", "all");
        set(pc, "linger.ms", "5");
        rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
        rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
        if (!producer) {
                fprintf(stderr, "kafka-baseline: %s\n", err);
                return 2;
        }

        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(consumer, topics);
        rd_kafka_topic_partition_list_destroy(topics);

        long consumed = 0;
        while (delivered + failed < count) {
                rd_kafka_message_t *m = consumed < count ? rd_kafka_consumer_poll(consumer, 100) : NULL;
                rd_kafka_poll(producer, 0);
                if (!m) {
                        if (consumed >= count) rd_kafka_poll(producer, 100);
                        continue;
                }
                if (m->err) {
                        rd_kafka_message_destroy(m);
                        continue;
                }
                if (!have_first) {
                        clock_gettime(CLOCK_MONOTONIC, &first_consumed);
                        have_first = 1;
                }
                rd_kafka_headers_t *headers = NULL;
                rd_kafka_message_headers(m, &headers);
                rd_kafka_headers_t *copy = headers ? rd_kafka_headers_copy(headers) : rd_kafka_headers_new(0);
                uintptr_t coordinates = ((uintptr_t)m->partition << 48) | ((uintptr_t)m->offset & 0xFFFFFFFFFFFFull);
                rd_kafka_resp_err_t e;
                while ((e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(output), RD_KAFKA_V_KEY(m->key, m->key_len),
                                              RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_HEADERS(copy),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_OPAQUE((void *)coordinates), RD_KAFKA_V_END)) ==
                       RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(producer, 10);
                if (e) {
                        fprintf(stderr, "kafka-baseline: produce: %s\n", rd_kafka_err2str(e));
                        rd_kafka_headers_destroy(copy);
                        failed++;
                }
                consumed++;
                rd_kafka_message_destroy(m);
        }
        rd_kafka_commit(consumer, NULL, 0);
        double seconds = seconds_between(first_consumed, last_delivered);
        printf("{\"tool\":\"c-baseline\",\"messages\":%ld,\"failed\":%ld,\"seconds\":%.6f,\"messages_per_second\":%.0f,"
               "\"peak_rss_mib\":%ld}\n",
               delivered, failed, seconds, delivered / seconds, peak_rss_kib() / 1024);
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
        rd_kafka_flush(producer, 5000);
        rd_kafka_destroy(producer);
        return failed ? 1 : 0;
}
