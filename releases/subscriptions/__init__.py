"""Email alerts for any list: subscribing, confirming, unsubscribing, and mailing what is new."""
