/* Test stand-in for H5P.Question: a base class that only carries the question type. */
var H5P = H5P || {};

H5P.Question = function (type) {
  H5P.EventDispatcher.call(this);
  this.questionType = type;
};
H5P.Question.prototype = Object.create(H5P.EventDispatcher.prototype);
H5P.Question.prototype.constructor = H5P.Question;
