"""What foodsavers publishes: its public contract. Nothing yet: delivery.completed and round.closed come
with the rounds (see DESIGN.md §3, flow 3)."""
