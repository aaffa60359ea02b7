"""The web back office (WEB.md): ``create_app`` builds it; ``sepa-batch serve`` runs it."""
