/* Test stand-in for H5P.TrueFalse: renders the question text only. */
var H5P = H5P || {};

H5P.TrueFalse = function (params, contentId) {
  H5P.Question.call(this, 'true-false');
  this.params = params || {};
  this.contentId = contentId;
};
H5P.TrueFalse.prototype = Object.create(H5P.Question.prototype);
H5P.TrueFalse.prototype.constructor = H5P.TrueFalse;

H5P.TrueFalse.prototype.attach = function ($container) {
  var question = document.createElement('div');
  question.innerHTML = this.params.question || '';
  $container.get(0).appendChild(question);
};
