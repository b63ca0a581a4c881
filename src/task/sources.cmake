# Sources of the task module (stimulus, front ends, dataset, scoring), added to eisnn_lib.
set(EISNN_TASK_SOURCES
)
