"""Notices (berichten): what the platform tells a person, in one list per person whichever service it comes
from, with the unread count in every portal's header and, for the kinds the person chose, an e-mail.

How it fits together (services own their data; they learn from events):

- A service raises a notice in the transaction of the change it reports (`service.raise_notice`): an event
  `<service>.<tenant>.notice.raised` through its outbox, with the texts in every language, the recipients (a
  person, everyone of an organisation, or everyone holding a role in the province) and a link into a portal.
- Every service keeps the whole list as a read model (table `notices`, `models.Notice`), fed by the raised
  events of all three streams (`service.subscriptions`): so each portal's header counts a person's unread
  notices from its own database, with no call to another service.
- The list itself, the marking as read and the e-mail preferences live in grants (/<tenant>/berichten/): a
  mark publishes `grants.<tenant>.notice.read`, which the other services apply to their copy. grants also
  sends the e-mail of every notice (its mail outbox), in each person's language, to the people who want that
  kind by e-mail (`models.NoticePerson`: the address, language and roles grants saw on their last visit; a
  person named or holding the role whom grants never saw is found in the realm's directory, shared.directory)."""
