/*
 * Formwork form embed loader. Paste on any website:
 *   <script src="https://forms.example.com/f/crm/lead/embed.js" async
 *           data-lang="en" data-target="contact-form"> (and the closing tag)
 * It adds an <iframe> with the form after this script tag (or inside the element whose id is
 * data-target), passes the page's utm_* parameters and referrer, and keeps the iframe as tall as
 * the form. A classic script on purpose (no module, no globals): the server fills in FORM_URL.
 */
(function () {
  'use strict';

  var FORM_URL = "__FORMWORK_FORM_URL__";
  var MAX_PARAM_LENGTH = 1000;

  var script = document.currentScript;
  if (!script || !window.URL) return;

  var formUrl;
  try {
    formUrl = new URL(FORM_URL);
  } catch (error) {
    return;
  }
  if (formUrl.protocol !== 'https:' && formUrl.protocol !== 'http:') return;

  var src = new URL(formUrl.href);
  src.searchParams.set('embed', '1');
  var lang = script.getAttribute('data-lang');
  if (lang) src.searchParams.set('lang', lang.slice(0, 20));

  // The host page's campaign parameters and where the visitor came from (the form's capture map
  // decides which of them are stored).
  try {
    new URL(window.location.href).searchParams.forEach(function (value, key) {
      if (/^utm_[a-z0-9_]{1,40}$/i.test(key)) {
        src.searchParams.set(key.toLowerCase(), value.slice(0, MAX_PARAM_LENGTH));
      }
    });
  } catch (error) {
    // an opaque location (about:blank, sandboxed page): nothing to forward
  }
  var referrer = document.referrer || window.location.href;
  if (referrer) src.searchParams.set('referrer', referrer.split('#')[0].slice(0, MAX_PARAM_LENGTH));

  var iframe = document.createElement('iframe');
  iframe.src = src.href;
  iframe.title = script.getAttribute('data-title') || 'Form';
  var initialHeight = parseInt(script.getAttribute('data-height') || '', 10);
  iframe.style.display = 'block';
  iframe.style.width = '100%';
  iframe.style.border = '0';
  iframe.style.height = (initialHeight > 0 ? initialHeight : 600) + 'px';

  var targetId = script.getAttribute('data-target');
  var target = targetId ? document.getElementById(targetId.replace(/^#/, '')) : null;
  if (target) {
    target.appendChild(iframe);
  } else if (script.parentNode) {
    script.parentNode.insertBefore(iframe, script.nextSibling);
  } else {
    return;
  }

  window.addEventListener('message', function (event) {
    // Only our form, in this iframe, may resize it.
    if (event.origin !== formUrl.origin || event.source !== iframe.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== 'formwork:resize') return;
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    iframe.style.height = Math.min(Math.ceil(height), 100000) + 'px';
  });
})();
