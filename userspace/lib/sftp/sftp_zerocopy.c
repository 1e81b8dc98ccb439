// SPDX-License-Identifier: MIT
/*
 * Zero-copy READ replies: the DATA header goes into the output, the data
 * stays in the file as a segment the sender splices into the stream
 * (sendfile through kernel/: page cache -> cipher -> TCP). The length is the
 * file's at the time of the request, as a pread would have found it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kssh/err.h"
#include "sftp_internal.h"

void sftp_server_set_zero_copy(struct sftp_server *s, int on)
{
	s->zero_copy = on;
}

const struct sftp_segment *sftp_server_segment(const struct sftp_server *s)
{
	return s->n_segs > 0 ? &s->segs[s->seg_first] : NULL;
}

void sftp_server_output_sent(struct sftp_server *s, size_t n)
{
	kssh_buf_consume(&s->out, n);
	for (size_t i = 0; i < s->n_segs; i++)
		s->segs[(s->seg_first + i) % SFTP_MAX_SEGMENTS].pos -= n;
	if (kssh_buf_len(&s->out) == 0 && s->n_segs == 0)
		kssh_buf_reset(&s->out);
}

void sftp_server_segment_sent(struct sftp_server *s, uint32_t n)
{
	struct sftp_segment *seg = &s->segs[s->seg_first];

	seg->offset += n;
	seg->len -= n;
	s->seg_bytes -= n;
	if (seg->len > 0)
		return;
	close(seg->fd);
	s->seg_first = (s->seg_first + 1) % SFTP_MAX_SEGMENTS;
	s->n_segs--;
}

void sftp_segments_free(struct sftp_server *s)
{
	while (s->n_segs > 0)
		sftp_server_segment_sent(s, s->segs[s->seg_first].len);
}

int sftp_read_by_reference(struct sftp_server *s, int fd, uint32_t id, uint64_t offset, uint32_t len)
{
	struct sftp_segment *seg;
	struct stat st;
	uint64_t left;
	int own, r;

	if (s->n_segs == SFTP_MAX_SEGMENTS)
		return KSSH_ERR_AGAIN;
	if (fstat(fd, &st) != 0)
		return sftp_reply_errno(s, id, errno);
	if (!S_ISREG(st.st_mode))
		return KSSH_ERR_AGAIN; /* a pipe or a device: no page cache to send from */
	if ((uint64_t)st.st_size <= offset)
		return sftp_reply_status(s, id, SSH_FX_EOF, NULL);
	left = (uint64_t)st.st_size - offset;
	if (len > left)
		len = (uint32_t)left;
	if ((own = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return KSSH_ERR_AGAIN;
	if ((r = sftp_reply_begin(s, SSH_FXP_DATA, id)) != 0 || (r = kssh_buf_put_u32(&s->out, len)) != 0) {
		close(own);
		return r;
	}
	kssh_poke_u32(kssh_buf_mutable_ptr(&s->out) + s->reply_start,
	              (uint32_t)(kssh_buf_len(&s->out) - s->reply_start - 4 + len));
	seg = &s->segs[(s->seg_first + s->n_segs) % SFTP_MAX_SEGMENTS];
	*seg = (struct sftp_segment){ .pos = kssh_buf_len(&s->out), .fd = own, .offset = offset, .len = len };
	s->n_segs++;
	s->seg_bytes += len;
	return 0;
}
