"""The processed data is learnable: ordinary least squares on training predicts testing well."""
import numpy as np

import abalone_etl_core as core
from etl_helpers import byte_lines, run_in_memory

MAX_TEST_RMSE = 2.6


def matrix(lines):
    return np.array([[float(value) for value in line.split(",")] for line in lines])


def ols_test_rmse(outputs):
    training, testing = matrix(outputs["training"]), matrix(outputs["testing"])
    design = np.column_stack([np.ones(len(training)), training[:, 1:]])
    coefficients, *_ = np.linalg.lstsq(design, training[:, 0], rcond=None)
    predictions = np.column_stack([np.ones(len(testing)), testing[:, 1:]]) @ coefficients
    return float(np.sqrt(np.mean((predictions - testing[:, 0]) ** 2)))


def test_least_squares_on_training_has_a_low_test_rmse(raw_bytes):
    outputs, report = run_in_memory([("abalone_data/raw/abalone.data", byte_lines(raw_bytes))])
    assert report.split_counts["testing"] > 150
    rmse = ols_test_rmse(outputs)
    print("OLS test RMSE: {:.4f} rings on {} testing rows".format(rmse, len(outputs["testing"])))
    assert rmse < MAX_TEST_RMSE
    # The label column is rings (the mean abalone has about 10 rings), not a feature.
    assert 9 < matrix(outputs["training"])[:, 0].mean() < 11
    assert set(core.SPLITS) <= set(outputs)
