"""Request and response models. Responses never carry ORM objects."""
