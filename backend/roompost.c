/*
 * roompost.c - see roompost.h.
 */
#include "roompost.h"
#include "feeds.h"
#include "metrics.h"
#include "presence.h"
#include "rooms.h"
#include "sbuf.h"

void room_post_deliver(struct room *r, const struct xccos_chat *m)
{
	struct sbuf sb = SBUF_INIT;

	xccos_build_grpchat(&sb, m);
	metric_add(&m_deliveries, NULL, NULL, room_broadcast(r, sb.buf, sb.len, NULL));
	room_note_delivery(r, m->msgid);
	sbuf_free(&sb);
	/* after the room's deliveries: an alert never delays them */
	feeds_on_post(r, m);
}
