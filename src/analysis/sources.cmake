# Sources of the analysis module (tuning, connectivity, perturbations, run dissection), added to eisnn_lib.
set(EISNN_ANALYSIS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/tuning.cpp
  ${CMAKE_CURRENT_LIST_DIR}/connectivity.cpp
  ${CMAKE_CURRENT_LIST_DIR}/perturbation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_analysis.cpp
)
