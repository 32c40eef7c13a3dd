"""Price screens of the bid-rigging literature and the model behind price_screen."""
