/*
 * pchat_alert.h - feed alerts: the out-of-dialog SIP MESSAGE pchatd asks for with an
 * ALERT frame (common/pchat_frame.h; docs/ARCHITECTURE.md, *Feeds and alerts*).
 */
#ifndef PCHAT_ALERT_H
#define PCHAT_ALERT_H

#include <stdint.h>

#include "../../core/str.h"

/* modparams alert_uri (From; default sip:alerts@<the first pool_uri's domain>) and
 * alert_proxy (where the MESSAGE is sent, normally Kamailio's own SIP address, so
 * that its configuration forks it to the user's registered contacts; "" = alerts
 * are dropped, counted in alerts_failed). */
extern str pchat_alert_uri;
extern str pchat_alert_proxy;

/* mod_init: the default alert_uri; -1 if none can be made. */
int pchat_alert_init(void);
/* A link process: sends the MESSAGE an ALERT payload describes (logged and counted;
 * never blocks: tm sends it). */
void pchat_alert_send(const char *payload, uint32_t len);

#endif
