namespace Scheduler;

public sealed partial class LoopTaskScheduler
{
    /// <summary>Recycled condition waits, as many as were ever pending at once. Loop thread only.</summary>
    private readonly LoopObjectPool<ConditionWait> _conditionWaits = new();

    /// <summary>A condition wait of this loop, to <see cref="ConditionWait.Begin"/>; called on the loop thread.</summary>
    internal ConditionWait RentConditionWait() => _conditionWaits.Rent() ?? _conditionWaits.Adopt(new ConditionWait(this));

    internal void ReturnConditionWait(ConditionWait wait)
    {
        if (IsOnLoopThread)
        {
            _conditionWaits.Return(wait);
        }
    }
}
