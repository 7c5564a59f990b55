/*
 * lease.h - the lease of compliance_state (active_node, lease_expires): one
 * pchat-compliance of a pool outputs at a time, the one holding a lease that has not
 * expired.  Another node takes it over once it has expired (its holder died or lost
 * the database).  Times are the database's clock, the same for every node.
 */
#ifndef PCHAT_LEASE_H
#define PCHAT_LEASE_H

#include <stddef.h>

#include "cdb.h"

/* Takes or renews the lease for seconds: 1 held, 0 another node holds it, -1 on a
 * database error (db->err).  Committed. */
int lease_hold(struct cdb *db, const char *node, unsigned seconds);

/* Gives the lease up if node holds it (a clean stop: the next node need not wait for
 * it to expire).  0 or -1.  Committed. */
int lease_release(struct cdb *db, const char *node);

/* Who holds the lease, into holder ("" for none or an expired one), and for how many
 * more seconds.  0 or -1. */
int lease_holder(struct cdb *db, char *holder, size_t len, int *seconds_left);

#endif
