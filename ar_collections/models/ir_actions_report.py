import functools
import io
import logging
import re
import subprocess

import lxml.html

from odoo import models
from odoo.tools.pdf import ArrayObject
from odoo.tools.pdf import NameObject
from odoo.tools.pdf import PdfFileReader
from odoo.tools.pdf import PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

# An invisible link at the top of each document of a batch: the page its link lands on starts that
# document (wkhtmltopdf keeps links as page annotations; reading them back is instant).
BATCH_MARKER = "ardoc:{}"
BATCH_MARKER_RE = re.compile(r"^ardoc:(\d+)$")


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

    def _ar_render_batch(self, report, report_ref, data, res_ids):
        """Print the documents of several records in one wkhtmltopdf call, then split the PDF
        per record: each document starts on a new page with an invisible marker, and the
        pages are cut where the markers are. wkhtmltopdf costs more than a second per call,
        so this is what makes a run's letters fast. Return None when the PDF cannot be split
        safely (the caller then prints one record per call)."""
        if report.attachment:
            return None
        data = dict(data or {}, report_type="pdf", debug=False)
        html = self.with_context(debug=False)._render_qweb_html(report_ref, res_ids, data=data)[0]
        bodies, html_ids, header, footer, paperformat_args = report.with_context(debug=False)._prepare_html(
            html, report_model=report.model
        )
        if [int(html_id) for html_id in html_ids if html_id] != list(res_ids) or len(bodies) != len(res_ids):
            return None
        combined = self._ar_combine_bodies(bodies)
        if combined is None:
            return None
        pdf = self._run_wkhtmltopdf(
            [combined],
            report_ref=report_ref,
            header=header,
            footer=footer,
            landscape=self.env.context.get("landscape"),
            specific_paperformat_args=paperformat_args,
        )
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        starts = []
        for number in range(reader.getNumPages()):
            page = reader.getPage(number)
            starts.extend((index, number) for index in _pop_batch_markers(page))
        if [index for index, _page in starts] != list(range(len(res_ids))) or starts[0][1] != 0:
            _logger.info("Batch of %s documents could not be split: printing them one by one", len(res_ids))
            return None
        bounds = [page for _index, page in starts] + [reader.getNumPages()]
        streams = {}
        for position, res_id in enumerate(res_ids):
            writer = PdfFileWriter()
            for number in range(bounds[position], bounds[position + 1]):
                writer.addPage(reader.getPage(number))
            stream = io.BytesIO()
            writer.write(stream)
            streams[res_id] = {"stream": stream, "attachment": None}
        return streams

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
