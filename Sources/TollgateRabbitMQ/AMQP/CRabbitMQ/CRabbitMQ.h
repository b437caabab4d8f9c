// rabbitmq-c (Debian: librabbitmq-dev): the AMQP 0-9-1 client, its TCP and TLS sockets.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
