/*
 * manifest.c - the .ATTACH manifest (manifest.h): one File element per FILEUPLOAD and
 * FILEDOWNLOAD event, written as it comes.
 */
#include "cetime.h"
#include "cxml.h"
#include "manifest.h"

static int manifest_file_begin(struct render *r)
{
	return cx_doc_begin(r->w, "Attachments");
}

/* The rooms leave no trace of their own: each File names its room. */
static int manifest_room(
		struct render *r, const struct ce_room *room, const struct ce_presence *present)
{
	(void)r;
	(void)room;
	(void)present;
	return 0;
}

static int manifest_event(struct render *r, const struct ce_event *ev)
{
	xmlTextWriterPtr w = r->w;
	/* a file event always names its file; "" keeps the attribute required */
	const char *name = ev->content != NULL ? ev->content : "";
	struct ce_time t;

	if(ev->type != CE_FILEUPLOAD && ev->type != CE_FILEDOWNLOAD)
		return 0;
	if(ce_time_format(ev->time_ms, &t) < 0 || cx_start(w, "File") < 0 ||
			cx_attr_len(w, "name", name, ev->content != NULL ? ev->content_len : 0) <
					0 ||
			cx_attr(w, "room", ev->room->uri) < 0 ||
			cx_attr_u64(w, "event", ev->id) < 0 ||
			cx_attr(w, "type", ce_type_name(ev->type)) < 0 ||
			cx_attr(w, "user", ev->user.uri) < 0 || cx_attr(w, "time", t.string) < 0)
		return -1;
	return cx_end(w);
}

static int manifest_file_end(struct render *r)
{
	return cx_doc_end(r->w);
}

const struct adapter manifest_adapter = {
		.type = "Manifest",
		.extension = "ATTACH",
		.file_begin = manifest_file_begin,
		.room_begin = manifest_room,
		.event = manifest_event,
		.room_end = manifest_room,
		.file_end = manifest_file_end,
};
