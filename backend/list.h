/*
 * list.h - an intrusive, circular, doubly-linked list (the Linux kernel's shape).
 *
 * Our own rather than <sys/queue.h>: glibc's copy lacks the _SAFE iterators, and
 * static analysers that do not read system headers cannot expand its macros.
 *
 *   struct list head = LIST_INIT(head);      an empty list
 *   list_add_tail(&head, &item->link);       append
 *   list_del(&item->link);                   remove (item may be anywhere)
 *   struct list *pos;
 *   list_for_each(pos, &head) {
 *       struct item *it = list_entry(pos, struct item, link);
 *   }
 */
#ifndef PCHAT_LIST_H
#define PCHAT_LIST_H

#include <stddef.h>

struct list {
	struct list *prev, *next;
};

#define LIST_INIT(name)          \
	{                        \
		&(name), &(name) \
	}

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline int list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_add_tail(struct list *head, struct list *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

/* Unlinks node and leaves it as an empty list, so a second del is harmless. */
static inline void list_del(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	list_init(node);
}

/* Moves every node of src to the end of dst; src ends up empty. */
static inline void list_splice_tail(struct list *dst, struct list *src)
{
	if(list_empty(src))
		return;
	src->next->prev = dst->prev;
	dst->prev->next = src->next;
	src->prev->next = dst;
	dst->prev = src->prev;
	list_init(src);
}

/* The first node, or NULL. */
static inline struct list *list_first(const struct list *head)
{
	/* clang's analyzer does not follow list_del() unlinking a node before it is
	 * freed and reports callers' loops as use-after-free; ASan runs cover them. */
	return list_empty(head) ? NULL : head->next; /* NOLINT(clang-analyzer-unix.Malloc) */
}

#define list_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define list_for_each(pos, head) for((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Allows list_del(pos) in the body. */
#define list_for_each_safe(pos, tmp, head)                              \
	for((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
			(pos) = (tmp), (tmp) = (pos)->next)

#endif
