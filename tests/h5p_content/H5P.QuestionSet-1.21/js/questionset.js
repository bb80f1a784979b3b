/* Test stand-in for H5P.QuestionSet: attaches each question one below the other. */
var H5P = H5P || {};

H5P.QuestionSet = function (params, contentId) {
  H5P.EventDispatcher.call(this);
  this.params = params || {};
  this.contentId = contentId;
};
H5P.QuestionSet.prototype = Object.create(H5P.EventDispatcher.prototype);
H5P.QuestionSet.prototype.constructor = H5P.QuestionSet;

H5P.QuestionSet.prototype.attach = function ($container) {
  var contentId = this.contentId;
  (this.params.questions || []).forEach(function (question) {
    var holder = H5P.jQuery('<div class="ec-questionset-item"></div>').appendTo($container);
    H5P.newRunnable(question, contentId, holder, false, {parent: this});
  }, this);
};
