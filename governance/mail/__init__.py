"""Mail: templates in en/ar/fr, rendering with Babel dates, the outbox, delivery and calendar parts."""
