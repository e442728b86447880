"""Database work beyond the ORM: bulk inserts, planner statistics, column compression."""
