"""The standard provider's operators: python and empty only in the local DAG runner's subset."""
