"""PDF rendering of the collection letters: several letters per wkhtmltopdf call, calls run side by side."""

import functools
import io
import logging
import math
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

import lxml.html

from odoo import models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools.pdf import ArrayObject
from odoo.tools.pdf import NameObject
from odoo.tools.pdf import PdfFileReader
from odoo.tools.pdf import PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..tools.amount_cn import amount_in_capitals
from ..tools.amount_cn import currency_in_chinese

_logger = logging.getLogger(__name__)

# An invisible link at the top of each document of a batch: the page its link lands on starts that
# document (wkhtmltopdf keeps links as page annotations; reading them back is instant).
BATCH_MARKER = "ardoc:{}"
BATCH_MARKER_RE = re.compile(r"^ardoc:(\d+)$")
# Documents per wkhtmltopdf call: a call costs about a second, then a tenth of a second a letter.
# The calls run side by side, one per CPU, with at least MIN_BATCH_SIZE documents each.
BATCH_SIZE = 50
MIN_BATCH_SIZE = 10


@functools.cache
def wkhtmltopdf_has_patched_qt():
    """Debian's wkhtmltopdf is built on an unpatched Qt: it prints one HTML document per call."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        """Our documents write amounts in Chinese capitals, as 人民币 (大写) 柒仟贰佰元整."""
        values = super()._get_rendering_context(report, docids, data)
        if report.report_name.startswith("ar_collections."):
            values.update(amount_in_capitals=amount_in_capitals, currency_in_chinese=currency_in_chinese)
        return values

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Print several records of our documents with a wkhtmltopdf that cannot print
        several documents in one call: one call per record (the streams are merged after)."""
        report = self._get_report(report_ref)
        if (
            res_ids
            and len(set(res_ids)) > 1
            and len(set(res_ids)) == len(res_ids)
            and report.report_name.startswith("ar_collections.")
            and not wkhtmltopdf_has_patched_qt()
        ):
            streams = self._ar_render_batch(report, report_ref, data, res_ids)
            if streams is None:
                streams = {}
                for res_id in res_ids:
                    streams.update(super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id]))
            return streams
        return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)

    def _ar_render_each(self, report_ref, res_ids, data=None):
        """{res_id: (content, format)}: the document of each record, all printed in one go (a
        few wkhtmltopdf calls side by side, see ``_ar_render_batch``), then cut per record.
        Without wkhtmltopdf (tests), the HTML of each record."""
        collected, file_format = self._pre_render_qweb_pdf(report_ref, res_ids=res_ids, data=dict(data or {}))
        if file_format != "pdf":
            return {res_id: self._render_qweb_html(report_ref, [res_id], data=dict(data or {})) for res_id in res_ids}
        if len(res_ids) > 1 and not all(collected.get(res_id, {}).get("stream") for res_id in res_ids):
            # A patched wkhtmltopdf prints them together; Odoo could not cut that PDF per record.
            return {res_id: self._ar_render_each(report_ref, [res_id], data)[res_id] for res_id in res_ids}
        return {res_id: (collected[res_id]["stream"].getvalue(), "pdf") for res_id in res_ids}

    def _ar_render_batch(self, report, report_ref, data, res_ids):
        """Print the documents of several records in a few wkhtmltopdf calls, then split each
        PDF per record: each document starts on a new page with an invisible marker, and the
        pages are cut where the markers are. wkhtmltopdf costs more than a second per call,
        so this is what makes a run's letters fast; the calls run side by side, one per CPU.
        Return None when a PDF cannot be split safely (the caller then prints one record per
        call)."""
        if report.attachment:
            return None
        data = dict(data or {}, report_type="pdf", debug=False)
        html = self.with_context(debug=False)._render_qweb_html(report_ref, res_ids, data=data)[0]
        bodies, html_ids, header, footer, paperformat_args = report.with_context(debug=False)._prepare_html(
            html, report_model=report.model
        )
        if [int(html_id) for html_id in html_ids if html_id] != list(res_ids) or len(bodies) != len(res_ids):
            return None
        # Enough calls to keep every CPU busy, none longer than BATCH_SIZE documents.
        calls = max(math.ceil(len(res_ids) / BATCH_SIZE), min(_cpu_count(), math.ceil(len(res_ids) / MIN_BATCH_SIZE)))
        size = math.ceil(len(res_ids) / calls)
        starts = range(0, len(res_ids), size)
        chunks = [list(res_ids[start : start + size]) for start in starts]
        documents = [self._ar_combine_bodies(bodies[start : start + size]) for start in starts]
        if any(document is None for document in documents):
            return None
        pdfs = self._ar_run_wkhtmltopdf_side_by_side(report_ref, documents, header, footer, paperformat_args)
        streams = {}
        for chunk, pdf in zip(chunks, pdfs, strict=True):
            parts = _split_pdf(pdf, len(chunk))
            if parts is None:
                _logger.info("Batch of %s documents could not be split: printing them one by one", len(chunk))
                return None
            streams.update(
                (res_id, {"stream": part, "attachment": None}) for res_id, part in zip(chunk, parts, strict=True)
            )
        return streams

    def _ar_run_wkhtmltopdf_side_by_side(self, report_ref, documents, header, footer, paperformat_args):
        """The PDF of each HTML document, wkhtmltopdf running on several documents at once.

        Only the processes run in threads: the command is built here first. Printing for a
        web request (whose session cookie wkhtmltopdf needs) or a single document goes
        through Odoo's own runner. The header and footer are not passed: the unpatched
        wkhtmltopdf this is used with ignores them (our letters carry their letterhead).
        """
        landscape = self.env.context.get("landscape")
        if request or len(documents) == 1:
            return [
                self._run_wkhtmltopdf(
                    [document],
                    report_ref=report_ref,
                    header=header,
                    footer=footer,
                    landscape=landscape,
                    specific_paperformat_args=paperformat_args,
                )
                for document in documents
            ]
        paperformat = self._get_report(report_ref).get_paperformat()
        command = [
            _get_wkhtmltopdf_bin(),
            *self._build_wkhtmltopdf_args(paperformat, landscape, specific_paperformat_args=paperformat_args),
        ]
        with tempfile.TemporaryDirectory(prefix="ar_collections.report.") as folder:

            def run(index):
                source, target = os.path.join(folder, f"{index}.html"), os.path.join(folder, f"{index}.pdf")
                with open(source, "w", encoding="utf-8") as file:
                    file.write(documents[index])
                process = subprocess.run([*command, source, target], capture_output=True, text=True, check=False)
                if process.returncode not in (0, 1):
                    return None, process.returncode, process.stderr
                with open(target, "rb") as file:
                    return file.read(), process.returncode, process.stderr

            with ThreadPoolExecutor(max_workers=min(len(documents), _cpu_count())) as pool:
                results = list(pool.map(run, range(len(documents))))
        for pdf, returncode, error in results:
            if pdf is None:
                message = self.env._(
                    "Wkhtmltopdf failed (error code: %(error_code)s). Message: %(message)s",
                    error_code=returncode,
                    message=error[-1000:],
                )
                _logger.warning(message)
                raise UserError(message)
        return [pdf for pdf, _returncode, _error in results]

    def _ar_combine_bodies(self, bodies):
        """One HTML document holding every body's article, each on a new page after its marker."""
        documents = [lxml.html.document_fromstring(body) for body in bodies]
        articles = [document.xpath("//div[contains(concat(' ', @class, ' '), ' article ')]") for document in documents]
        if any(len(found) != 1 for found in articles):
            return None
        first = articles[0][0]
        container = first.getparent()
        for index, (article,) in enumerate(articles):
            marker = lxml.html.fragment_fromstring(
                f'<a href="{BATCH_MARKER.format(index)}" style="color: #ffffff; font-size: 6px; '
                'text-decoration: none;">.</a>'
            )
            article.insert(0, marker)
            if index:
                article.set("style", "page-break-before: always; " + (article.get("style") or ""))
                container.append(article)
        return lxml.html.tostring(documents[0], encoding="unicode")


def _split_pdf(pdf, count):
    """The ``count`` documents of a batch PDF, cut where their markers are; None if the
    markers are not all there, in order, the first on the first page."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    starts = []
    for number in range(reader.getNumPages()):
        starts.extend((index, number) for index in _pop_batch_markers(reader.getPage(number)))
    if [index for index, _page in starts] != list(range(count)) or starts[0][1] != 0:
        return None
    bounds = [page for _index, page in starts] + [reader.getNumPages()]
    parts = []
    for position in range(count):
        writer = PdfFileWriter()
        for number in range(bounds[position], bounds[position + 1]):
            writer.addPage(reader.getPage(number))
        stream = io.BytesIO()
        writer.write(stream)
        parts.append(stream)
    return parts


def _cpu_count():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pop_batch_markers(page):
    """The batch markers on ``page`` (document indexes), removed from its annotations."""
    annotations = page.get("/Annots")
    if not annotations:
        return []
    found, kept = [], ArrayObject()
    for reference in annotations.get_object():
        action = reference.get_object().get("/A") or {}
        match = BATCH_MARKER_RE.match(str(action.get("/URI") or ""))
        if match:
            found.append(int(match.group(1)))
        else:
            kept.append(reference)
    page[NameObject("/Annots")] = kept
    return found
