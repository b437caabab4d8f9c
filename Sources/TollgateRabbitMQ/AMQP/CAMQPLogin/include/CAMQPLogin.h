// amqp_login is variadic, which Swift cannot call; this fixes its arguments for the PLAIN method.
#ifndef TOLLGATE_CAMQPLOGIN_H
#define TOLLGATE_CAMQPLOGIN_H
#include <amqp.h>

amqp_rpc_reply_t tollgate_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                           int channel_max, int frame_max, int heartbeat,
                                           const char *user, const char *password,
                                           const char *connection_name);
#endif
