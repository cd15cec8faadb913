namespace Scheduler;

/// <summary>
/// The result type of work that returns nothing (a task whose body returns a plain <c>Task</c>, an executor's action):
/// lets one generic implementation serve both. Core, as every layer uses it.
/// </summary>
internal readonly struct VoidResult;
