/*
 * manifest.h - the .ATTACH manifest of CreateFileAttachmentsManifest: beside each output
 * file, the list of the file transfers among its events, so that whoever archives the
 * output can collect the files themselves.  The reference's manifest format is not
 * public; this one is ours, its schema docs/compliance-attach.xsd:
 *
 *   <Attachments>
 *     <File name="stored file name" room="ma-chan://..." event="compliance event id"
 *           type="FILEUPLOAD|FILEDOWNLOAD" user="sip:..." time="ISO 8601, 7 digits, Z"/>
 *   </Attachments>
 *
 * The run feeds it the same stream as the configured adapter (adapter.h), at the same
 * time, into a file of the same name with the extension ATTACH; it writes the file
 * events and ignores the others.  It is not an AdapterType (not in adapter_find).
 */
#ifndef PCHAT_MANIFEST_H
#define PCHAT_MANIFEST_H

#include "adapter.h"

extern const struct adapter manifest_adapter;

#endif
