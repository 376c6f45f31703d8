"""What foodsavers publishes: its public contract. It holds no event: foodsavers publishes nothing (the
delivery.completed and round.closed of DESIGN.md §3, flow 3, belong to rounds, which it does not have)."""
