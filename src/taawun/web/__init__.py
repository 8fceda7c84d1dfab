"""The FastAPI app assembled from the contexts routers."""
