// Drag the agenda rows to reorder them; the "order" column is renumbered to match. Without JavaScript the
// secretariat types the numbers instead.
'use strict';
(function ($) {
  $(function () {
    $('.agenda-sortable tbody').each(function () {
      const body = $(this);
      const renumber = function () {
        body.find('tr.form-row').not('.empty-form').each(function (index) {
          $(this).find('input[name$="-position"]').val((index + 1) * 10);
        });
      };
      body.sortable({ items: 'tr.form-row:not(.empty-form)', handle: 'td.field-position', axis: 'y', update: renumber });
      body.find('td.field-position').attr('title', body.closest('.agenda-sortable').data('drag-hint') || '');
    });
  });
})(django.jQuery);
