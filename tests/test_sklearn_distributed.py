"""A hyper-parameter search over glassnet's estimators spread over a Dask cluster of worker
processes (joblib's dask backend), with one BLAS thread per worker: the same results as on one
process."""

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from glassnet.sklearn import MLPClassifier


def blas_threads() -> list[int]:
    """The BLAS thread counts of this process (run on a worker)."""
    import numpy  # noqa: F401 - loads OpenBLAS
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def search() -> GridSearchCV:
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=60, random_state=0,
                                                          learning_rate_init=0.01))  # fmt: skip
    grid = {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
            "mlpclassifier__alpha": [1e-4, 1e-1]}  # fmt: skip
    return GridSearchCV(model, grid, cv=3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_grid_search_spreads_over_a_dask_cluster():
    from dask.distributed import Client, LocalCluster

    X, y = load_iris(return_X_y=True)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        threads = client.run(blas_threads)
        assert len(threads) == 2, threads  # (numpy's and scipy's OpenBLAS: one thread each)
        assert all(counts and set(counts) == {1} for counts in threads.values()), threads
        with joblib.parallel_backend("dask"):
            spread = search().fit(X, y)
    with threadpool_limits(1, user_api="blas"):  # the workers' BLAS: the same code path
        local = search().fit(X, y)
    assert spread.best_params_ == local.best_params_
    np.testing.assert_array_equal(spread.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])  # fmt: skip
    assert spread.best_score_ > 0.85
