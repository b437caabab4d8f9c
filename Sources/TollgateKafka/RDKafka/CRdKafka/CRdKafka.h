// librdkafka (Debian: librdkafka-dev), with its mock cluster for tests and `tollgate kafka-mock`.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
