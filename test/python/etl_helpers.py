"""Run the ETL core in memory and read its outputs back, for the tests."""
import io
from typing import Dict, Iterable, List, Tuple

import abalone_etl_core as core


def run_in_memory(sources: Iterable[Tuple[str, Iterable[bytes]]]) -> Tuple[Dict[str, List[str]], core.EtlReport]:
    files = {folder: io.BytesIO() for folder in core.OUTPUT_FOLDERS}
    report = core.run_etl(sources, core.CsvSplitWriter(files))
    outputs = {folder: files[folder].getvalue().decode("utf-8").splitlines() for folder in core.OUTPUT_FOLDERS}
    return outputs, report


def byte_lines(data: bytes) -> List[bytes]:
    return list(core.iter_lines_from_chunks([data]))


def folder_of_lines(outputs: Dict[str, List[str]]) -> Dict[str, str]:
    """Map each labelled output line to the split folder that holds it."""
    located = {}
    for split in core.SPLITS:
        for line in outputs[split]:
            located[line] = split
    return located
