-- The settle step records a confirmed ticket's helpdesk id itself (store `recordTicketRefs`, in the
-- settle's transaction), so the step that writes a delivery's result also owns its effect on the ticket.
drop trigger deliveries_ticket_ref on plumb.deliveries;
drop function plumb.record_ticket_ref();

select plumb.lock_down();
